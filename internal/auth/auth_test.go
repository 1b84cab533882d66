package auth

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestTokens(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	secret, tok, err := s.Create("ci", RoleIngest, false)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(secret, "shk_") || len(secret) != 4+64 {
		t.Fatalf("secret %q has the wrong shape", secret)
	}
	got, err := s.Authenticate(secret)
	if err != nil || got.ID != tok.ID || got.Role != RoleIngest {
		t.Fatalf("authenticate: %+v, %v", got, err)
	}
	if _, err := s.Authenticate(secret + "x"); err != ErrUnauthorized {
		t.Fatalf("wrong secret: %v", err)
	}
	if _, err := s.Authenticate(""); err != ErrUnauthorized {
		t.Fatalf("empty secret: %v", err)
	}
	data, err := os.ReadFile(filepath.Join(dir, "auth", "tokens.json"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(data), secret) {
		t.Fatal("the secret is stored in clear")
	}
	fi, _ := os.Stat(filepath.Join(dir, "auth", "tokens.json"))
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("tokens.json mode %v", fi.Mode().Perm())
	}

	// A second process (here: a second Store) creates a token; the first
	// picks it up without a restart.
	other, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	secret2, _, err := other.Create("admin", RoleAdmin, false)
	if err != nil {
		t.Fatal(err)
	}
	s.checked = s.checked.Add(-2e9) // as if a second had passed
	if got, err := s.Authenticate(secret2); err != nil || got.Role != RoleAdmin {
		t.Fatalf("token from other store: %+v, %v", got, err)
	}
	if err := other.Revoke("ci"); err != nil {
		t.Fatal(err)
	}
	if err := s.reload(true); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Authenticate(secret); err != ErrUnauthorized {
		t.Fatalf("revoked token still works: %v", err)
	}
	if err := s.Revoke("nope"); err == nil {
		t.Fatal("revoking an unknown token succeeded")
	}
}

func TestEphemeral(t *testing.T) {
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if err := s.AddEphemeral("bootstrap", "short", RoleAdmin); err == nil {
		t.Fatal("a short bootstrap token was accepted")
	}
	if err := s.AddEphemeral("bootstrap", "0123456789abcdef0123", RoleAdmin); err != nil {
		t.Fatal(err)
	}
	if tok, err := s.Authenticate("0123456789abcdef0123"); err != nil || tok.Role != RoleAdmin {
		t.Fatalf("%+v %v", tok, err)
	}
	toks, _ := s.List()
	if len(toks) != 0 {
		t.Fatalf("the bootstrap token was stored: %+v", toks)
	}
}

func TestRoles(t *testing.T) {
	tests := []struct {
		role Role
		perm Permission
		want bool
	}{
		{RoleAdmin, PermIngest, true}, {RoleAdmin, PermRead, true}, {RoleAdmin, PermAdmin, true},
		{RoleAnalyst, PermRead, true}, {RoleAnalyst, PermIngest, false}, {RoleAnalyst, PermAdmin, false},
		{RoleIngest, PermIngest, true}, {RoleIngest, PermRead, false}, {RoleIngest, PermAdmin, false},
		{Role("root"), PermRead, false},
	}
	for _, tt := range tests {
		if got := tt.role.Allows(tt.perm); got != tt.want {
			t.Errorf("%s allows %d = %v, want %v", tt.role, tt.perm, got, tt.want)
		}
	}
	if _, err := ParseRole("superuser"); err == nil {
		t.Error("ParseRole accepted superuser")
	}
	if BearerToken("Bearer abc ") != "abc" || BearerToken("bearer abc") != "abc" || BearerToken("Basic abc") != "" || BearerToken("") != "" {
		t.Error("BearerToken")
	}
}
