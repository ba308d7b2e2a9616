package wheel

import (
	"bytes"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/csv"
	"errors"
	"fmt"
	"hash"
	"io"
	"strconv"
	"strings"
)

// RecordEntry is one row of a RECORD file: a path relative to the directory
// holding the .dist-info directory, the file's hash and its size in bytes.
//
// https://packaging.python.org/en/latest/specifications/recording-installed-packages/#the-record-file
type RecordEntry struct {
	// Path uses "/" separators and is relative to site-packages (it may
	// climb out of it with "../" for files installed elsewhere).
	Path string
	// Hash is "" or "<algorithm>=<urlsafe base64 digest without padding>".
	Hash string
	// Size is the file's size in bytes, or -1 when the column is empty.
	Size int64
}

// hashAlgorithms are those ParseRecord accepts. The specification allows any
// algorithm of Python's hashlib.algorithms_guaranteed except md5 and sha1;
// these are the ones found in practice.
var hashAlgorithms = map[string]func() hash.Hash{
	"sha256": sha256.New,
	"sha384": sha512.New384,
	"sha512": sha512.New,
}

// ParseRecord parses a RECORD file: CSV rows of path, hash and size, in the
// format of Python's csv module defaults. Every row must have exactly three
// columns; a non-empty hash must be "<algorithm>=<digest>" with a supported
// algorithm (sha256, sha384, sha512) and a digest of the right length in
// URL-safe base64 without padding; a non-empty size must be a non-negative
// decimal integer. Paths must be non-empty, unique and free of control
// characters.
//
// https://packaging.python.org/en/latest/specifications/recording-installed-packages/#the-record-file
func ParseRecord(data []byte) ([]RecordEntry, error) {
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	r.ReuseRecord = true
	var out []RecordEntry
	seen := map[string]bool{}
	for {
		row, err := r.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("parsing RECORD: %w", err)
		}
		line, _ := r.FieldPos(0)
		if len(row) != 3 {
			return nil, fmt.Errorf("parsing RECORD: line %d: want 3 columns (path,hash,size), got %d", line, len(row))
		}
		e := RecordEntry{Path: row[0], Hash: row[1], Size: -1}
		if e.Path == "" {
			return nil, fmt.Errorf("parsing RECORD: line %d: empty path", line)
		}
		if i := strings.IndexFunc(e.Path, isControl); i >= 0 {
			return nil, fmt.Errorf("parsing RECORD: line %d: path %q holds control character %U; no installable file name does", line, e.Path, e.Path[i])
		}
		if seen[e.Path] {
			return nil, fmt.Errorf("parsing RECORD: line %d: path %q listed twice", line, e.Path)
		}
		seen[e.Path] = true
		if e.Hash != "" {
			if _, _, err := decodeHash(e.Hash); err != nil {
				return nil, fmt.Errorf("parsing RECORD: line %d: %w", line, err)
			}
		}
		if row[2] != "" {
			n, err := strconv.ParseInt(row[2], 10, 64)
			if err != nil || n < 0 {
				return nil, fmt.Errorf("parsing RECORD: line %d: size %q is not a non-negative integer", line, row[2])
			}
			e.Size = n
		}
		out = append(out, e)
	}
}

// isControl reports the C0 controls and DEL. Go's CSV reader turns a quoted
// "\r\n" into "\n", so a path holding them would not survive a round trip;
// no real wheel ships such a name and the installer refuses them anyway.
func isControl(r rune) bool { return r < 0x20 || r == 0x7f }

// decodeHash splits "<algorithm>=<digest>" and checks both parts.
func decodeHash(s string) (algo string, digest []byte, err error) {
	algo, enc, ok := strings.Cut(s, "=")
	if !ok {
		return "", nil, fmt.Errorf("hash %q is not <algorithm>=<digest>", s)
	}
	newHash, ok := hashAlgorithms[algo]
	if !ok {
		return "", nil, fmt.Errorf("hash %q uses unsupported algorithm %q (want sha256, sha384 or sha512)", s, algo)
	}
	digest, err = base64.RawURLEncoding.Strict().DecodeString(enc)
	if err != nil || len(digest) != newHash().Size() {
		return "", nil, fmt.Errorf("hash %q is not a %s digest in urlsafe base64 without padding", s, algo)
	}
	return algo, digest, nil
}

// encodeHash formats a digest the way RECORD wants it.
func encodeHash(algo string, sum []byte) string {
	return algo + "=" + base64.RawURLEncoding.EncodeToString(sum)
}

// FormatRecord writes entries as a RECORD file, one CSV row each, in the
// order given, with "\n" line endings. An entry with Size -1 gets an empty
// size column.
func FormatRecord(entries []RecordEntry) []byte {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	for _, e := range entries {
		size := ""
		if e.Size >= 0 {
			size = strconv.FormatInt(e.Size, 10)
		}
		// Writing to a bytes.Buffer cannot fail.
		_ = w.Write([]string{e.Path, e.Hash, size})
	}
	w.Flush()
	return buf.Bytes()
}
