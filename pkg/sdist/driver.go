package sdist

// driverPy is canto's PEP 517 frontend inside the sandbox. It runs one step
// per process, with the source tree as its working directory, and writes
// the step's answer as JSON:
//
//	driver.py env OUT                  the PEP 508 marker environment
//	driver.py requires OUT CONFIG      get_requires_for_build_wheel({})
//	driver.py build OUT CONFIG         build_wheel(outdir, {})
//
// CONFIG holds {"backend": ..., "backend_path": [...], "outdir": ...}.
// Spec: https://peps.python.org/pep-0517/#build-backend-interface
const driverPy = `# canto's PEP 517 driver (generated; see pkg/sdist/driver.go)
import importlib
import json
import os
import platform
import sys


def write(path, value):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(value, f)


def marker_env():
    # As packaging.markers.default_environment() (PEP 508, "Environment Markers").
    iv = sys.implementation.version
    impl = "{0.major}.{0.minor}.{0.micro}".format(iv)
    if iv.releaselevel != "final":
        impl += iv.releaselevel[0] + str(iv.serial)
    return {
        "implementation_name": sys.implementation.name,
        "implementation_version": impl,
        "os_name": os.name,
        "platform_machine": platform.machine(),
        "platform_release": platform.release(),
        "platform_system": platform.system(),
        "platform_version": platform.version(),
        "python_full_version": platform.python_version(),
        "platform_python_implementation": platform.python_implementation(),
        "python_version": ".".join(platform.python_version_tuple()[:2]),
        "sys_platform": sys.platform,
    }


def load_backend(spec, backend_path):
    # PEP 517: backend-path entries are relative to the source tree and go
    # first on sys.path; "module.path:object.path" names the backend.
    for p in reversed(backend_path):
        sys.path.insert(0, os.path.abspath(p))
    mod_name, _, obj_path = spec.partition(":")
    obj = importlib.import_module(mod_name)
    for attr in filter(None, obj_path.split(".")):
        obj = getattr(obj, attr)
    return obj


def main():
    step, out = sys.argv[1], sys.argv[2]
    if step == "env":
        write(out, marker_env())
        return
    with open(sys.argv[3], encoding="utf-8") as f:
        cfg = json.load(f)
    backend = load_backend(cfg["backend"], cfg.get("backend_path") or [])
    if step == "requires":
        hook = getattr(backend, "get_requires_for_build_wheel", None)
        requires = list(hook({})) if hook is not None else []
        write(out, {"requires": [str(r) for r in requires]})
    elif step == "build":
        name = backend.build_wheel(cfg["outdir"], {})
        write(out, {"wheel": name})
    else:
        sys.exit("unknown step " + step)


if __name__ == "__main__":
    main()
`
