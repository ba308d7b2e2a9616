package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/canto-build/canto/pkg/elfcheck"
	"github.com/canto-build/canto/pkg/image"
)

type checkFlags struct {
	roots             []string
	all               bool
	builder, platform string
	insecure, asJSON  bool
}

func newCheckCommand(e *env) *cobra.Command {
	var f checkFlags
	cmd := &cobra.Command{
		Use:   "check IMAGE",
		Short: "Check that an image's compiled Python packages find their shared libraries",
		Long: `check reads IMAGE's layers (it never runs it) and resolves the shared libraries
of every ELF file in the virtualenv (extension modules, executables such as
uwsgi, the libraries bundled in manylinux wheels) the way the dynamic loader
would: DT_RPATH, LD_LIBRARY_PATH from the image config, DT_RUNPATH with
$ORIGIN, /etc/ld.so.conf and the default directories, following symlinks
inside the image and passing over libraries of another architecture.

Each missing library is printed on stdout with the files that need it and
the Python distribution that installed them. With --builder, check also
names the Debian package the builder image has the library in, and what
"canto build --vendor-libs" would copy into a layer. The exit code is 1 when
a library is missing.

The virtualenv is $VIRTUAL_ENV of the image config, else /opt/venv; --root
checks other directories and --all the whole filesystem.

IMAGE uses containers-transports(5) names: oci:DIR[:TAG], docker-archive:FILE,
docker-daemon:REF, or a registry reference.`,
		Example: `  # Check an image canto built
  canto check oci:./out:myapp

  # Where do the missing libraries come from, and what would be vendored?
  canto check oci:./out:myapp --builder oci:./images:full

  # Every ELF file of a registry image, as JSON
  canto check registry.example.com/me/app:1.0 --all --json`,
		Args: rangeArgs(1, 1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runCheck(cmd.Context(), e, args[0], f)
		},
	}
	fl := cmd.Flags()
	fl.StringArrayVar(&f.roots, "root", nil, "directory (or file) to check, repeatable (default: the image's virtualenv)")
	fl.BoolVar(&f.all, "all", false, "check every ELF file in the image, not only the virtualenv's")
	fl.StringVar(&f.builder, "builder", "", "image to look the missing libraries up in (their Debian packages, what --vendor-libs would copy)")
	fl.StringVar(&f.platform, "platform", "", "platform to take from a multi-platform image (default linux/amd64)")
	fl.BoolVar(&f.insecure, "insecure-registry", false, "allow plain HTTP to registries (for a local registry)")
	fl.BoolVar(&f.asJSON, "json", false, "print the report as JSON on stdout")
	return cmd
}

// checkJSON is the shape of `canto check --json`.
type checkJSON struct {
	Image     string         `json:"image"`
	Roots     []string       `json:"roots"`
	Checked   int            `json:"checked"`
	Libraries int            `json:"libraries"`
	Skipped   []string       `json:"skipped,omitempty"`
	Missing   []missingJSON  `json:"missing"`
	Builder   string         `json:"builder,omitempty"`
	Vendor    []vendoredJSON `json:"vendor,omitempty"`
	Debian    []string       `json:"debian_packages,omitempty"`
	VendorErr string         `json:"vendor_error,omitempty"`
}

type missingJSON struct {
	Library  string        `json:"library"`
	Machine  string        `json:"machine"`
	NeededBy []neederJSON  `json:"needed_by"`
	Provider *providerJSON `json:"provider,omitempty"`
}

type neederJSON struct {
	Path    string `json:"path"`
	Package string `json:"package,omitempty"`
	Via     string `json:"via,omitempty"`
}

type providerJSON struct {
	Found   bool   `json:"found"`
	Path    string `json:"path,omitempty"`
	Real    string `json:"real,omitempty"`
	Package string `json:"debian_package,omitempty"`
	Version string `json:"debian_version,omitempty"`
}

type vendoredJSON struct {
	Path    string `json:"path"`
	Link    string `json:"link,omitempty"`
	Size    int64  `json:"size,omitempty"`
	From    string `json:"from"`
	Package string `json:"debian_package,omitempty"`
}

func runCheck(ctx context.Context, e *env, imageArg string, f checkFlags) error {
	u := e.ui()
	ref, err := image.ParseReference(imageArg)
	if err != nil {
		return &usageError{err}
	}
	var builderRef image.Reference
	if f.builder != "" {
		if builderRef, err = image.ParseReference(f.builder); err != nil {
			return &usageError{err}
		}
	}
	if f.all && len(f.roots) > 0 {
		return &usageError{fmt.Errorf("--all and --root cannot be used together")}
	}
	imgOpts := []image.Option{image.WithInsecure(f.insecure)}
	u.infof("reading %s", ref)
	img, err := image.LoadBase(ctx, ref, f.platform, imgOpts...)
	if err != nil {
		return fmt.Errorf("loading image %s: %w", ref, err)
	}
	fsys, err := elfcheck.NewImageFS(ctx, img)
	if err != nil {
		return fmt.Errorf("reading image %s: %w", ref, err)
	}
	roots := f.roots
	switch {
	case f.all:
		roots = []string{"/"}
	case len(roots) == 0:
		roots = []string{elfcheck.DefaultRoot}
		for _, kv := range fsys.Env {
			if v, ok := strings.CutPrefix(kv, "VIRTUAL_ENV="); ok && strings.HasPrefix(v, "/") {
				roots = []string{v}
			}
		}
	}
	opts := []elfcheck.Option{elfcheck.WithRoots(roots...), elfcheck.WithEnv(fsys.Env), elfcheck.WithLogger(u.logger())}
	if fsys.Arch != "" {
		opts = append(opts, elfcheck.WithArch(fsys.Arch))
	}
	rep, err := elfcheck.Check(ctx, fsys, opts...)
	if err != nil {
		return err
	}
	u.infof("checked %d ELF files and %d libraries they load under %s", rep.Checked, rep.Libraries, strings.Join(roots, ", "))
	for _, s := range rep.Skipped {
		u.infof("skipped %s: built for another architecture than %s", s, fsys.Arch)
	}

	var vendored *elfcheck.Vendored
	var vendorErr error
	if !rep.OK() && f.builder != "" {
		u.infof("reading builder %s", builderRef)
		bimg, err := image.LoadBase(ctx, builderRef, f.platform, imgOpts...)
		if err != nil {
			return fmt.Errorf("loading builder image %s: %w", builderRef, err)
		}
		bfs, err := elfcheck.NewImageFS(ctx, bimg)
		if err != nil {
			return fmt.Errorf("reading builder image %s: %w", builderRef, err)
		}
		if err := rep.FindProviders(ctx, bfs); err != nil {
			return err
		}
		vendored, vendorErr = elfcheck.Vendor(ctx, fsys, bfs, rep.Missing, elfcheck.VendorEnv(fsys.Env))
	}

	if f.asJSON {
		if err := writeCheckJSON(e, ref, roots, rep, f.builder, vendored, vendorErr); err != nil {
			return err
		}
	} else if !rep.OK() {
		fmt.Fprintln(e.stdout, rep.Text())
		switch {
		case vendorErr != nil:
			fmt.Fprintf(e.stdout, "--vendor-libs cannot fix this: %s\n", strings.SplitN(vendorErr.Error(), "\n", 2)[0])
		case vendored != nil:
			fmt.Fprintf(e.stdout, "--vendor-libs --builder %s would add a layer with:\n", f.builder)
			for _, vf := range vendored.Files {
				line := "  " + vf.Path
				if vf.Link != "" {
					line += " -> " + vf.Link
				}
				if vf.Package.Name != "" {
					line += "  (" + vf.Package.String() + ")"
				}
				fmt.Fprintln(e.stdout, line)
			}
		}
	}
	if rep.OK() {
		u.infof("no shared library is missing")
		return nil
	}
	return fmt.Errorf("%s lacks %d shared libraries that its files need\n%s", ref, len(rep.Missing), elfcheck.Hint)
}

func writeCheckJSON(e *env, ref image.Reference, roots []string, rep *elfcheck.Report, builder string, v *elfcheck.Vendored, vendorErr error) error {
	out := checkJSON{Image: ref.String(), Roots: roots, Checked: rep.Checked, Libraries: rep.Libraries, Skipped: rep.Skipped, Missing: []missingJSON{}, Builder: builder}
	for _, m := range rep.Missing {
		mj := missingJSON{Library: m.Library, Machine: m.Machine.String()}
		for _, n := range m.NeededBy {
			mj.NeededBy = append(mj.NeededBy, neederJSON(n))
		}
		if p := m.Provider; p != nil {
			mj.Provider = &providerJSON{Found: p.Found, Path: p.Path, Real: p.Real, Package: p.Package.Name, Version: p.Package.Version}
		}
		out.Missing = append(out.Missing, mj)
	}
	if v != nil {
		for _, f := range v.Files {
			out.Vendor = append(out.Vendor, vendoredJSON{Path: f.Path, Link: f.Link, Size: f.Size, From: f.From, Package: f.Package.Name})
		}
		for _, p := range v.Packages {
			out.Debian = append(out.Debian, p.String())
		}
	}
	if vendorErr != nil {
		out.VendorErr = vendorErr.Error()
	}
	enc := json.NewEncoder(e.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
