package local

import (
	"encoding/binary"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/cespare/xxhash/v2"

	"github.com/shoseki/shoseki/internal/filter"
)

// A split-block bloom filter (as in Parquet): an array of 32-byte blocks of
// eight 32-bit words. A key's 64-bit hash picks one block with its upper
// half and sets one bit in each word with its lower half, so a probe touches
// one cache line and can be answered by reading 32 bytes from disk.
//
// Keys are xxhash64 of a token (filter.Tokens form) or of valuePrefix+the
// value's lowercased text, so that tokens and whole values share a filter.

const (
	bloomBlockBytes = 32
	bloomBitsPerKey = 10 // about 1% false positives
	valuePrefix     = "\x00v:"
	bigramPrefix    = "\x00b:"
)

var bloomSalt = [8]uint32{0x47b6137b, 0x44974d91, 0x8824ad5b, 0xa2b7289d, 0x705495c7, 0x2df1424b, 0x9efc4947, 0x5c6bfb31}

// bloomBlocks returns the number of blocks for n distinct keys.
func bloomBlocks(n int) int {
	b := (n*bloomBitsPerKey + 255) / 256
	if b < 1 {
		b = 1
	}
	return b
}

func bloomBlockOf(h uint64, nblocks int) int {
	return int(((h >> 32) * uint64(nblocks)) >> 32)
}

// bloomAdd sets h in the filter f (len a multiple of 32).
func bloomAdd(f []byte, h uint64) {
	blk := f[bloomBlockOf(h, len(f)/bloomBlockBytes)*bloomBlockBytes:]
	x := uint32(h)
	for i := 0; i < 8; i++ {
		bit := (x * bloomSalt[i]) >> 27
		w := binary.LittleEndian.Uint32(blk[i*4:])
		binary.LittleEndian.PutUint32(blk[i*4:], w|1<<bit)
	}
}

// bloomBlockHas probes one 32-byte block for h.
func bloomBlockHas(blk []byte, h uint64) bool {
	x := uint32(h)
	for i := 0; i < 8; i++ {
		bit := (x * bloomSalt[i]) >> 27
		if binary.LittleEndian.Uint32(blk[i*4:])&(1<<bit) == 0 {
			return false
		}
	}
	return true
}

// appendBloom appends to dst the filter of the distinct hashes hs.
func appendBloom(dst []byte, hs []uint64) []byte {
	n := bloomBlocks(len(hs)) * bloomBlockBytes
	dst = slices.Grow(dst, n)
	f := dst[len(dst) : len(dst)+n]
	clear(f)
	for _, h := range hs {
		bloomAdd(f, h)
	}
	return dst[:len(dst)+n]
}

// hashSet removes repeated hashes in linear time (a flush indexes tens of
// hashes per event; sorting them cost more than the rest of the index).
type hashSet struct {
	slots []uint64
}

// dedup returns hs without repeats, in place, in no particular order. The
// table grows with the distinct hashes found, not with len(hs): a block's
// tokens repeat a lot, and a table sized for all of them (megabytes) would
// miss the cache on every probe.
func (s *hashSet) dedup(hs []uint64) []uint64 {
	if len(hs) < 2 {
		return hs
	}
	s.reset(1024)
	out := hs[:0]
	zero := false
	for _, h := range hs {
		if h == 0 { // 0 marks a free slot
			if !zero {
				zero = true
				out = append(out, 0)
			}
			continue
		}
		if s.insert(h) {
			out = append(out, h)
			if 2*len(out) > len(s.slots) {
				s.grow(out)
			}
		}
	}
	return out
}

// reset empties the table, leaving it size slots.
func (s *hashSet) reset(size int) {
	if cap(s.slots) < size {
		s.slots = make([]uint64, size)
	} else {
		s.slots = s.slots[:size]
		clear(s.slots)
	}
}

// insert adds h (not 0), reporting whether it was new.
func (s *hashSet) insert(h uint64) bool {
	mask := uint64(len(s.slots) - 1)
	for i := (h ^ h>>29) & mask; ; i = (i + 1) & mask {
		switch s.slots[i] {
		case h:
			return false
		case 0:
			s.slots[i] = h
			return true
		}
	}
}

// grow doubles the table and puts the distinct hashes found so far back.
func (s *hashSet) grow(found []uint64) {
	s.reset(2 * len(s.slots))
	for _, h := range found {
		if h != 0 {
			s.insert(h)
		}
	}
}

func hashToken(tok string) uint64 { return xxhash.Sum64String(tok) }

func hashValue(lower string) uint64 {
	var d xxhash.Digest
	d.Reset()
	d.WriteString(valuePrefix)
	d.WriteString(lower)
	return d.Sum64()
}

// tokenHasher appends the hashes of the lowercase tokens of strings without
// allocating for ASCII text.
type tokenHasher struct {
	scratch []byte
}

// addTokens appends to hs the hashes of s's tokens as the query side will
// look them up: filter.Tokens of the lowercased text. For text that is not
// pure ASCII, both lower(tokens(s)) and tokens(lower(s)) are indexed, so
// that Unicode case mapping that moves token boundaries still finds them.
func (t *tokenHasher) addTokens(hs []uint64, s string) []uint64 {
	if out, ok := t.addASCIITokens(hs, s, false); ok {
		return out
	}
	filter.EachToken(s, func(tok string) { hs = append(hs, hashToken(strings.ToLower(tok))) })
	filter.EachToken(strings.ToLower(s), func(tok string) { hs = append(hs, hashToken(strings.ToLower(tok))) })
	return hs
}

// addTextTokens is addTokens then addDigitBigrams, in one pass over ASCII
// text (the bulk of what a flush indexes: messages, event.original).
func (t *tokenHasher) addTextTokens(hs []uint64, s string) []uint64 {
	if out, ok := t.addASCIITokens(hs, s, true); ok {
		return out
	}
	return t.addDigitBigrams(t.addTokens(hs, s), s)
}

// wordByte marks the ASCII bytes filter.EachToken takes for word bytes.
var wordByte = func() (t [128]bool) {
	for c := 0; c < 128; c++ {
		t[c] = byteClass[c]&clsWord != 0
	}
	return t
}()

// Byte classes for the tokenizer's inner loop: one table load per byte.
const (
	clsWord     = 1 << iota // letter, digit or _
	clsNonDigit             // a word byte that is not a digit
	clsUpper                // A-Z
	clsHigh                 // not ASCII
)

var byteClass = func() (t [256]uint8) {
	for c := 0; c < 256; c++ {
		switch {
		case c >= utf8.RuneSelf:
			t[c] = clsHigh
		case '0' <= c && c <= '9':
			t[c] = clsWord
		case 'a' <= c && c <= 'z', c == '_':
			t[c] = clsWord | clsNonDigit
		case 'A' <= c && c <= 'Z':
			t[c] = clsWord | clsNonDigit | clsUpper
		}
	}
	return t
}()

// addASCIITokens hashes the tokens of ASCII text as filter.EachToken cuts
// them, lowercased; with bigrams, also each pair of adjacent all-digit
// tokens (addDigitBigrams). It reports false, with hs as it was, when s is
// not pure ASCII.
func (t *tokenHasher) addASCIITokens(hs []uint64, s string, bigrams bool) ([]uint64, bool) {
	prev := ""
	n0 := len(hs)
	for i := 0; i < len(s); {
		c := byteClass[s[i]]
		if c&clsWord == 0 {
			if c&clsHigh != 0 {
				return hs[:n0], false
			}
			i++
			continue
		}
		start := i
		var seen uint8
		for ; i < len(s); i++ {
			c := byteClass[s[i]]
			if c&clsWord == 0 {
				break
			}
			seen |= c
		}
		tok := s[start:i]
		if seen&clsUpper != 0 {
			t.scratch = appendLowerASCII(t.scratch[:0], tok)
			hs = append(hs, xxhash.Sum64(t.scratch))
		} else {
			hs = append(hs, xxhash.Sum64String(tok))
		}
		if !bigrams {
			continue
		}
		if seen&clsNonDigit != 0 {
			prev = ""
			continue
		}
		if prev != "" {
			hs = append(hs, hashBigram(prev, tok))
		}
		prev = tok
	}
	return hs, true
}

// addDigitBigrams appends the hashes of adjacent token pairs of s that are
// both ASCII digits ("10.1.2.3" gives 10·1, 1·2, 2·3). A single-number
// token is common everywhere, so an address or a version searched as
// words prunes blocks only through these pairs.
func (t *tokenHasher) addDigitBigrams(hs []uint64, s string) []uint64 {
	prev := ""
	filter.EachToken(s, func(tok string) {
		if !isDigits(tok) {
			prev = ""
			return
		}
		if prev != "" {
			hs = append(hs, hashBigram(prev, tok))
		}
		prev = tok
	})
	return hs
}

func hashBigram(a, b string) uint64 {
	var d xxhash.Digest
	d.Reset()
	d.WriteString(bigramPrefix)
	d.WriteString(a)
	d.WriteString("\x00")
	d.WriteString(b)
	return d.Sum64()
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// addValue appends the hash of a whole value's lowercased text.
func (t *tokenHasher) addValue(hs []uint64, text string) []uint64 {
	b := append(t.scratch[:0], valuePrefix...)
	var or byte
	for i := 0; i < len(text); i++ {
		c := text[i]
		or |= c
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		b = append(b, c)
	}
	t.scratch = b
	if or < utf8.RuneSelf {
		return append(hs, xxhash.Sum64(b))
	}
	return append(hs, hashValue(strings.ToLower(text)))
}

func isASCII(s string) bool {
	i := 0
	for ; i+8 <= len(s); i += 8 {
		x := uint64(s[i]) | uint64(s[i+1])<<8 | uint64(s[i+2])<<16 | uint64(s[i+3])<<24 |
			uint64(s[i+4])<<32 | uint64(s[i+5])<<40 | uint64(s[i+6])<<48 | uint64(s[i+7])<<56
		if x&0x8080808080808080 != 0 {
			return false
		}
	}
	for ; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

func appendLowerASCII(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		dst = append(dst, c)
	}
	return dst
}
