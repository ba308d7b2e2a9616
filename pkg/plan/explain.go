package plan

import (
	"github.com/canto-build/canto/pkg/pyname"
)

// Explanation says why a package is or is not in a plan, and how each of its
// locked files relates to the target.
type Explanation struct {
	Name string
	// Package is the planned package, or nil when the package is left out.
	Package *Package
	// RequiredBy lists who asks for the package: "group main" or
	// "flask 3.0.0".
	RequiredBy []string
	// Skipped lists the dependency edges to the package that were not taken,
	// each with its reason.
	Skipped []string
	// Locked are the lock's versions of the package, each with its files.
	Locked []LockedVersion
}

// LockedVersion is one locked version of a package and its files.
type LockedVersion struct {
	Version string
	Files   []FileVerdict
}

// FileVerdict says how one file fits the target.
type FileVerdict struct {
	Filename string
	Verdict  string
	Chosen   bool
}

// Explain answers `canto plan --explain NAME`.
func (p *Plan) Explain(name string) Explanation {
	n := pyname.Normalize(name)
	ex := Explanation{Name: n, RequiredBy: p.why[n], Skipped: p.whyNot[n]}
	for i := range p.Packages {
		if p.Packages[i].Name == n {
			ex.Package = &p.Packages[i]
		}
	}
	for _, lp := range p.lockPkgs[n] {
		lv := LockedVersion{Version: lp.Version}
		for _, f := range lp.Files {
			fv := FileVerdict{Filename: f.Name, Verdict: p.Target.Explain(f.Name)}
			if ex.Package != nil && ex.Package.Lock == lp && ex.Package.Artifact.Filename == f.Name {
				fv.Chosen = true
			}
			lv.Files = append(lv.Files, fv)
		}
		ex.Locked = append(ex.Locked, lv)
	}
	return ex
}
