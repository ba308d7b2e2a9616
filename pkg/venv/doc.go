// Package venv owns the layout of a Python virtual environment inside an
// image (its install scheme and its own files, as `python -m venv` makes
// them) and a deterministic tar writer that receives installed wheels as a
// [wheel.Destination], producing a layer.
package venv
