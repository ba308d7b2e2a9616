# canto's bytecode compiler, run by the image's own interpreter in the
# sandbox (python -s -S -B -W ignore compiler.py WORK). WORK holds:
#   list     NUL-separated pairs: source number, path at run time (sorted)
#   src/N    the source of file N
# and receives:
#   tag      sys.implementation.cache_tag, e.g. cpython-311
#   out/N    the .pyc of file N (missing when it does not compile)
#   errors   one line per file that does not compile
# A .pyc is PEP 552's hash-based, unchecked form: the magic number, flags 1,
# the source's hash and the marshalled code object, as py_compile writes with
# PycInvalidationMode.UNCHECKED_HASH.
import importlib.util
import marshal
import os
import sys

work = sys.argv[1]
tag = sys.implementation.cache_tag
if tag is None:
    sys.exit("this Python writes no bytecode caches (sys.implementation.cache_tag is None)")
with open(os.path.join(work, "tag"), "w") as f:
    f.write(tag)
with open(os.path.join(work, "list"), "rb") as f:
    fields = f.read().split(b"\0")
flags = (1).to_bytes(4, "little")
errors = []
for i in range(0, len(fields) - 1, 2):
    num = fields[i].decode()
    path = os.fsdecode(fields[i + 1])
    with open(os.path.join(work, "src", num), "rb") as f:
        src = f.read()
    try:
        code = compile(src, path, "exec", dont_inherit=True, optimize=0)
    except Exception as e:  # SyntaxError, ValueError (NUL bytes), RecursionError...
        errors.append("%s: %s: %s" % (path, type(e).__name__, str(e).replace("\n", " ")))
        continue
    data = importlib.util.MAGIC_NUMBER + flags + importlib.util.source_hash(src) + marshal.dumps(code)
    with open(os.path.join(work, "out", num), "wb") as f:
        f.write(data)
with open(os.path.join(work, "errors"), "w") as f:
    f.write("\n".join(errors))
