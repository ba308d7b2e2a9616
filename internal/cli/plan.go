package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/canto-build/canto/pkg/lock"
	"github.com/canto-build/canto/pkg/plan"
	"github.com/canto-build/canto/pkg/pyproject"
	"github.com/canto-build/canto/pkg/target"
	"github.com/spf13/cobra"
)

// The default target is Debian 12 (bookworm) on amd64 with its Python 3.11:
// what python:3.11-slim-bookworm and Debian's own images run.
const (
	defaultPlatform = "linux/amd64"
	defaultPython   = "3.11"
	defaultLibc     = "glibc-2.36"
)

type targetFlags struct {
	platform, python, libc string
}

func (f *targetFlags) register(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&f.platform, "platform", defaultPlatform, "target OCI platform: linux/amd64, linux/arm64, linux/arm/v7, ...")
	fl.StringVar(&f.python, "python", defaultPython, "target Python version: 3.11 or 3.11.2")
	fl.StringVar(&f.libc, "libc", defaultLibc, "target C library: glibc-X.Y or musl-X.Y")
}

func (f *targetFlags) target() (target.Target, error) {
	t, err := target.Parse(f.platform, f.python, f.libc)
	if err != nil {
		return target.Target{}, &usageError{err}
	}
	return t, nil
}

type selectionFlags struct {
	only, with, without, extras []string
	allExtras                   bool
}

func (f *selectionFlags) register(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringSliceVar(&f.only, "only", nil, "install only these dependency groups")
	fl.StringSliceVar(&f.with, "with", nil, "also install these dependency groups (by default only main)")
	fl.StringSliceVar(&f.without, "without", nil, "do not install these dependency groups")
	fl.StringSliceVarP(&f.extras, "extras", "E", nil, "install these extras of the project")
	fl.BoolVar(&f.allExtras, "all-extras", false, "install every extra of the project")
}

// loadedProject is a project directory's pyproject.toml and poetry.lock.
type loadedProject struct {
	dir     string
	project *pyproject.Project
	lock    *lock.Lock
}

func loadProject(dir string) (*loadedProject, error) {
	p, err := pyproject.Load(filepath.Join(dir, "pyproject.toml"))
	if err != nil {
		return nil, err
	}
	l, err := lock.Load(filepath.Join(dir, "poetry.lock"))
	if err != nil {
		return nil, err
	}
	if err := lock.CheckFresh(l, p); err != nil {
		return nil, err
	}
	return &loadedProject{dir: dir, project: p, lock: l}, nil
}

func makePlan(lp *loadedProject, t target.Target, sel selectionFlags) (*plan.Plan, error) {
	groups, err := plan.SelectGroups(lp.project, sel.only, sel.with, sel.without)
	if err != nil {
		return nil, &usageError{err}
	}
	return plan.Make(plan.Request{
		Project: lp.project, Lock: lp.lock, Target: t,
		Groups: groups, Extras: sel.extras, AllExtras: sel.allExtras,
	})
}

func newPlanCommand(e *env) *cobra.Command {
	var (
		tf      targetFlags
		sel     selectionFlags
		asJSON  bool
		explain string
	)
	cmd := &cobra.Command{
		Use:   "plan [DIR]",
		Short: "Show which packages, and which file of each, would be installed for a target",
		Long: `plan reads DIR/pyproject.toml and DIR/poetry.lock (DIR defaults to the current
directory) and prints the install plan for a target: every package that the
selected groups and extras need, its locked version, and the artifact canto
would install: the best wheel for the target, else the sdist, else the git,
path or URL source. Nothing is downloaded.

The default target is Debian 12 on amd64 with Python 3.11 (linux/amd64,
3.11, glibc-2.36), as in python:3.11-slim-bookworm. Only the main group is
installed unless --with or --only says otherwise.`,
		Example: `  # The plan for the default target
  canto plan ./myapp

  # Another target, as JSON
  canto plan ./myapp --platform linux/arm64 --python 3.12 --libc musl-1.2 --json

  # Include the dev group and an extra
  canto plan --with dev -E postgres

  # Why is a package in or out, and why does each of its files fit or not?
  canto plan --explain numpy`,
		Args: rangeArgs(0, 1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir := "."
			if len(args) == 1 {
				dir = args[0]
			}
			t, err := tf.target()
			if err != nil {
				return err
			}
			lp, err := loadProject(dir)
			if err != nil {
				return err
			}
			p, err := makePlan(lp, t, sel)
			if err != nil {
				return err
			}
			switch {
			case explain != "":
				return writeExplanation(e.stdout, p.Explain(explain))
			case asJSON:
				return writePlanJSON(e.stdout, tf, p)
			default:
				return writePlanTable(e.stdout, p)
			}
		},
	}
	tf.register(cmd)
	sel.register(cmd)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the plan as JSON")
	cmd.Flags().StringVar(&explain, "explain", "", "explain why package `NAME` is in or out of the plan, file by file")
	return cmd
}

// planJSON is the documented shape of `canto plan --json`.
type planJSON struct {
	Target struct {
		Platform string `json:"platform"`
		Python   string `json:"python"`
		Libc     string `json:"libc"`
	} `json:"target"`
	Groups   []string          `json:"groups"`
	Extras   []string          `json:"extras"`
	Packages []planPackageJSON `json:"packages"`
}

type planPackageJSON struct {
	Name     string           `json:"name"`
	Version  string           `json:"version"`
	Artifact planArtifactJSON `json:"artifact"`
}

type planArtifactJSON struct {
	Kind     string  `json:"kind"`
	Filename *string `json:"filename"`
	SHA256   *string `json:"sha256"`
	URL      string  `json:"url,omitempty"`
}

func writePlanJSON(w io.Writer, tf targetFlags, p *plan.Plan) error {
	var out planJSON
	out.Target.Platform = p.Target.Platform()
	out.Target.Python = p.Target.Python.String()
	out.Target.Libc = p.Target.Libc.String()
	out.Groups = nonNil(p.Groups)
	out.Extras = nonNil(p.Extras)
	out.Packages = []planPackageJSON{}
	for _, pkg := range p.Packages {
		out.Packages = append(out.Packages, planPackageJSON{Name: pkg.Name, Version: pkg.Version, Artifact: artifactJSON(pkg.Artifact)})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

func artifactJSON(art plan.Artifact) planArtifactJSON {
	a := planArtifactJSON{Kind: string(art.Kind)}
	if art.Filename != "" {
		a.Filename = &art.Filename
	}
	if art.SHA256 != "" {
		a.SHA256 = &art.SHA256
	}
	switch art.Kind {
	case plan.KindGit, plan.KindURL, plan.KindFile, plan.KindDirectory:
		a.URL = art.URL
	}
	return a
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func writePlanTable(w io.Writer, p *plan.Plan) error {
	fmt.Fprintf(w, "target: %s   groups: %s   extras: %s\n", p.Target, strings.Join(p.Groups, ", "), orNone(p.Extras))
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "PACKAGE\tVERSION\tKIND\tARTIFACT")
	for _, pkg := range p.Packages {
		what := pkg.Artifact.Filename
		if what == "" {
			what = pkg.Artifact.URL
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", pkg.Name, pkg.Version, pkg.Artifact.Kind, what)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "%d packages\n", len(p.Packages))
	return err
}

func orNone(s []string) string {
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, ", ")
}

func writeExplanation(w io.Writer, ex plan.Explanation) error {
	if ex.Package != nil {
		fmt.Fprintf(w, "%s %s is in the plan, installed from %s %s\n", ex.Name, ex.Package.Version, ex.Package.Artifact.Kind, firstNonEmpty(ex.Package.Artifact.Filename, ex.Package.Artifact.URL))
	} else {
		fmt.Fprintf(w, "%s is not in the plan\n", ex.Name)
	}
	if len(ex.RequiredBy) > 0 {
		fmt.Fprintf(w, "required by:\n")
		for _, r := range ex.RequiredBy {
			fmt.Fprintf(w, "  %s\n", r)
		}
	}
	if len(ex.Skipped) > 0 {
		fmt.Fprintf(w, "not required by:\n")
		for _, r := range ex.Skipped {
			fmt.Fprintf(w, "  %s\n", r)
		}
	}
	if ex.Package == nil && len(ex.RequiredBy) == 0 && len(ex.Skipped) == 0 {
		if len(ex.Locked) == 0 {
			fmt.Fprintf(w, "the lock has no package %q\n", ex.Name)
		} else {
			fmt.Fprintf(w, "no selected group or extra reaches it\n")
		}
	}
	for _, lv := range ex.Locked {
		fmt.Fprintf(w, "files of %s %s:\n", ex.Name, lv.Version)
		for _, f := range lv.Files {
			mark := " "
			if f.Chosen {
				mark = "*"
			}
			fmt.Fprintf(w, " %s %s: %s\n", mark, f.Filename, f.Verdict)
		}
	}
	return nil
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}
