package pyproject

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
)

// HashScheme selects which Poetry release's content-hash algorithm to use.
// Each is Locker._get_content_hash of the named releases
// (src/poetry/packages/locker.py in python-poetry/poetry).
type HashScheme int

const (
	// HashPoetry23 is Poetry 2.3 and later: [project] requires-python,
	// dependencies and optional-dependencies, PEP 735 [dependency-groups],
	// and [tool.poetry] dependencies, source, extras, dev-dependencies and
	// group. It is ContentHash's scheme.
	HashPoetry23 HashScheme = iota
	// HashPoetry20 is Poetry 2.0 to 2.2: as HashPoetry23 without
	// [dependency-groups]. Poetry 2.3+ also accepts it for locks written by
	// older releases.
	HashPoetry20
	// HashPoetry12 is Poetry 1.2 to 1.8: [tool.poetry] only, the four legacy
	// keys always (null when absent) plus group when present. [project] is
	// ignored.
	HashPoetry12
	// HashPoetry10 is Poetry 1.0 and 1.1: [tool.poetry] dependencies,
	// dev-dependencies, source and extras, null when absent.
	HashPoetry10
)

func (s HashScheme) String() string {
	switch s {
	case HashPoetry23:
		return "poetry>=2.3"
	case HashPoetry20:
		return "poetry 2.0-2.2"
	case HashPoetry12:
		return "poetry 1.2-1.8"
	case HashPoetry10:
		return "poetry 1.0-1.1"
	default:
		return fmt.Sprintf("HashScheme(%d)", int(s))
	}
}

var (
	legacyKeys         = []string{"dependencies", "source", "extras", "dev-dependencies"}
	relevantKeys       = append(append([]string(nil), legacyKeys...), "group")
	relevantKeys10     = []string{"dependencies", "dev-dependencies", "source", "extras"}
	relevantProjectKey = []string{"requires-python", "dependencies", "optional-dependencies"}
)

// ContentHash returns the hex sha256 that current Poetry (HashPoetry23)
// writes as metadata.content-hash in poetry.lock for this project.
func (p *Project) ContentHash() string { return p.ContentHashFor(HashPoetry23) }

// ContentHashFor returns the content-hash under the given scheme: the
// sha256 of json.dumps(relevant_content, sort_keys=True).encode().
func (p *Project) ContentHashFor(s HashScheme) string {
	sum := sha256.Sum256(p.relevantContentJSON(s))
	return hex.EncodeToString(sum[:])
}

// relevantContentJSON mirrors Locker._get_content_hash.
func (p *Project) relevantContentJSON(s HashScheme) []byte {
	doc := p.doc
	if doc == nil {
		doc = map[string]any{}
	}
	tool, _ := doc["tool"].(map[string]any)
	poetry, _ := tool["poetry"].(map[string]any)

	switch s {
	case HashPoetry10:
		c := map[string]any{}
		for _, k := range relevantKeys10 {
			c[k] = poetry[k] // nil encodes as null, like dict.get
		}
		return appendPyJSON(nil, c)
	case HashPoetry12:
		c := map[string]any{}
		for _, k := range relevantKeys {
			v, ok := poetry[k]
			if !ok && !isLegacyKey(k) {
				continue
			}
			c[k] = v
		}
		return appendPyJSON(nil, c)
	}

	project, _ := doc["project"].(map[string]any)
	var groups map[string]any
	if s == HashPoetry23 {
		groups, _ = doc["dependency-groups"].(map[string]any)
	}
	relProject := map[string]any{}
	for _, k := range relevantProjectKey {
		if v, ok := project[k]; ok {
			relProject[k] = v
		}
	}
	relPoetry := map[string]any{}
	for _, k := range relevantKeys {
		v, ok := poetry[k]
		// Legacy keys are kept as null only when neither [project] nor
		// [dependency-groups] contributes anything.
		if !ok && (!isLegacyKey(k) || len(relProject) > 0 || len(groups) > 0) {
			continue
		}
		relPoetry[k] = v
	}
	c := map[string]any{}
	if len(relProject) > 0 {
		c["project"] = relProject
	}
	if len(groups) > 0 {
		c["dependency-groups"] = groups
	}
	if len(c) > 0 {
		c["tool"] = map[string]any{"poetry": relPoetry}
	} else {
		// Backwards compatibility: [tool.poetry] content at top level.
		c = relPoetry
	}
	return appendPyJSON(nil, c)
}

func isLegacyKey(k string) bool {
	for _, l := range legacyKeys {
		if k == l {
			return true
		}
	}
	return false
}
