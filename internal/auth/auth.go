// Package auth keeps Shoseki's API tokens and says what each may do.
//
// Tokens are random 256-bit secrets shown once, at creation; only their
// SHA-256 is stored (auth/tokens.json in the data directory, mode 0600,
// written temp + fsync + rename). A token has one role:
//   - admin: everything;
//   - analyst: search, tail and read-only APIs;
//   - ingest: sending events only.
//
// The server re-reads the file when it changes, so `shoseki user token
// create` run beside a live server takes effect without a restart.
package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"
)

// Role is what a token may do.
type Role string

// The roles.
const (
	RoleAdmin   Role = "admin"
	RoleAnalyst Role = "analyst"
	RoleIngest  Role = "ingest"
)

// ParseRole validates a role name.
func ParseRole(s string) (Role, error) {
	switch r := Role(s); r {
	case RoleAdmin, RoleAnalyst, RoleIngest:
		return r, nil
	}
	return "", fmt.Errorf("unknown role %q (want admin, analyst or ingest)", s)
}

// Permission is one kind of operation.
type Permission int

// The permissions.
const (
	PermIngest Permission = iota + 1
	PermRead              // search, tail, reading configuration
	PermAdmin             // managing tokens, rules, configuration
)

// Allows reports whether role r may perform p.
func (r Role) Allows(p Permission) bool {
	switch r {
	case RoleAdmin:
		return true
	case RoleAnalyst:
		return p == PermRead
	case RoleIngest:
		return p == PermIngest
	}
	return false
}

// Token is a stored token (without its secret).
type Token struct {
	ID      string    `json:"id"`
	Name    string    `json:"name"`
	Role    Role      `json:"role"`
	Hash    string    `json:"sha256"`
	Created time.Time `json:"created"`
}

// tokenPrefix marks Shoseki tokens so secret scanners can find leaked ones.
const tokenPrefix = "shk_"

// ErrUnauthorized is returned for an unknown token.
var ErrUnauthorized = errors.New("unknown or revoked token")

// Store holds the tokens of one data directory.
type Store struct {
	path string

	mu        sync.Mutex
	byHash    map[string]Token
	modTime   time.Time
	size      int64
	checked   time.Time
	ephemeral map[string]Token // not persisted: the bootstrap token
}

// Open opens (or creates) the token store in dataDir.
func Open(dataDir string) (*Store, error) {
	dir := filepath.Join(dataDir, "auth")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("token store: %w", err)
	}
	s := &Store{path: filepath.Join(dir, "tokens.json"), ephemeral: map[string]Token{}}
	if err := s.reload(true); err != nil {
		return nil, err
	}
	return s, nil
}

func hashOf(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// AddEphemeral accepts secret as a token of role until the process ends,
// without storing it (SHOSEKI_BOOTSTRAP_TOKEN).
func (s *Store) AddEphemeral(name, secret string, role Role) error {
	if len(secret) < 16 {
		return errors.New("bootstrap token must be at least 16 characters")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	h := hashOf(secret)
	s.ephemeral[h] = Token{ID: "ephemeral-" + h[:8], Name: name, Role: role, Hash: h, Created: time.Now().UTC()}
	return nil
}

// Authenticate returns the token for secret. A miss re-reads the file (at
// most once a second) so tokens created by the CLI are picked up.
func (s *Store) Authenticate(secret string) (Token, error) {
	if secret == "" {
		return Token{}, ErrUnauthorized
	}
	h := hashOf(secret)
	s.mu.Lock()
	defer s.mu.Unlock()
	if t, ok := s.ephemeral[h]; ok {
		return t, nil
	}
	if t, ok := s.byHash[h]; ok {
		return t, nil
	}
	if time.Since(s.checked) > time.Second {
		if err := s.reload(false); err == nil {
			if t, ok := s.byHash[h]; ok {
				return t, nil
			}
		}
	}
	return Token{}, ErrUnauthorized
}

// reload reads the file if it changed; s.mu must be held (or s unshared).
func (s *Store) reload(force bool) error {
	s.checked = time.Now()
	fi, err := os.Stat(s.path)
	if errors.Is(err, os.ErrNotExist) {
		s.byHash = map[string]Token{}
		return nil
	}
	if err != nil {
		return fmt.Errorf("token store: %w", err)
	}
	if !force && fi.ModTime().Equal(s.modTime) && fi.Size() == s.size {
		return nil
	}
	toks, err := s.readFile()
	if err != nil {
		return err
	}
	m := make(map[string]Token, len(toks))
	for _, t := range toks {
		m[t.Hash] = t
	}
	s.byHash, s.modTime, s.size = m, fi.ModTime(), fi.Size()
	return nil
}

func (s *Store) readFile() ([]Token, error) {
	data, err := os.ReadFile(s.path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("token store: %w", err)
	}
	var toks []Token
	if err := json.Unmarshal(data, &toks); err != nil {
		return nil, fmt.Errorf("token store %s: %w", s.path, err)
	}
	return toks, nil
}

// Create makes a new token, stores its hash and returns the secret, which
// is never shown again. A token with the same name is replaced when
// replaceName is true.
func (s *Store) Create(name string, role Role, replaceName bool) (secret string, tok Token, err error) {
	var raw [32]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return "", Token{}, err
	}
	secret = tokenPrefix + hex.EncodeToString(raw[:])
	var idRaw [6]byte
	if _, err := rand.Read(idRaw[:]); err != nil {
		return "", Token{}, err
	}
	tok = Token{ID: hex.EncodeToString(idRaw[:]), Name: name, Role: role, Hash: hashOf(secret), Created: time.Now().UTC()}
	err = s.update(func(toks []Token) []Token {
		if replaceName {
			toks = removeIf(toks, func(t Token) bool { return t.Name == name })
		}
		return append(toks, tok)
	})
	return secret, tok, err
}

// Revoke deletes the token with the given id or name.
func (s *Store) Revoke(idOrName string) error {
	found := false
	err := s.update(func(toks []Token) []Token {
		return removeIf(toks, func(t Token) bool {
			if t.ID == idOrName || t.Name == idOrName {
				found = true
				return true
			}
			return false
		})
	})
	if err == nil && !found {
		return fmt.Errorf("no token with id or name %q", idOrName)
	}
	return err
}

// List returns the stored tokens, oldest first.
func (s *Store) List() ([]Token, error) {
	toks, err := s.readFile()
	sort.Slice(toks, func(i, j int) bool { return toks[i].Created.Before(toks[j].Created) })
	return toks, err
}

func removeIf(toks []Token, drop func(Token) bool) []Token {
	out := toks[:0]
	for _, t := range toks {
		if !drop(t) {
			out = append(out, t)
		}
	}
	return out
}

// update rewrites the file atomically with fn applied. Concurrent writers
// in other processes are serialized by an exclusive lock file.
func (s *Store) update(fn func([]Token) []Token) error {
	unlock, err := lockFile(s.path + ".lock")
	if err != nil {
		return err
	}
	defer unlock()
	toks, err := s.readFile()
	if err != nil {
		return err
	}
	toks = fn(toks)
	data, err := json.MarshalIndent(toks, "", "  ")
	if err != nil {
		return err
	}
	if err := writeFileAtomic(s.path, append(data, '\n'), 0o600); err != nil {
		return fmt.Errorf("token store: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.reload(true)
}

func writeFileAtomic(path string, data []byte, perm os.FileMode) error {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, perm)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	d, err := os.Open(filepath.Dir(path))
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// lockFile takes an exclusive lock by creating path; a stale lock older
// than 30 s (a crashed CLI) is broken.
func lockFile(path string) (func(), error) {
	deadline := time.Now().Add(10 * time.Second)
	for {
		f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
		if err == nil {
			f.Close()
			return func() { os.Remove(path) }, nil
		}
		if !errors.Is(err, os.ErrExist) {
			return nil, err
		}
		if fi, err := os.Stat(path); err == nil && time.Since(fi.ModTime()) > 30*time.Second {
			os.Remove(path)
			continue
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("token store is locked by %s", path)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// BearerToken extracts the token from an Authorization header value.
func BearerToken(header string) string {
	scheme, tok, ok := strings.Cut(header, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return ""
	}
	return strings.TrimSpace(tok)
}
