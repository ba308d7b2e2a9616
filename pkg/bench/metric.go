package bench

// Metric names one measured quantity.
type Metric string

// The metrics, in the order tables and charts show them.
const (
	// ImageSize is the image's size as `docker images` reports it (bytes),
	// or, with no Docker engine, the sum of its uncompressed layers.
	ImageSize Metric = "image_size"
	// CompressedSize is the sum of the image's compressed (gzip) layers:
	// what a registry stores (bytes).
	CompressedSize Metric = "compressed_size"
	// LayerCount is the number of layers of the image, base included.
	LayerCount Metric = "layers"
	// ColdBuild is the time of a build with every cache empty (seconds).
	ColdBuild Metric = "cold_build"
	// RebuildPyproject is the time of a rebuild after a comment is appended
	// to pyproject.toml, the classic comparison's cache bust (seconds).
	RebuildPyproject Metric = "rebuild_pyproject"
	// RebuildDependency is the time of a rebuild after a dependency is added
	// and the lock updated (seconds).
	RebuildDependency Metric = "rebuild_dependency"
	// RebuildCode is the time of a rebuild after a comment is appended to a
	// Python file of the project's own package (seconds).
	RebuildCode Metric = "rebuild_code"
	// PushAfterDependency is what a push sends after the dependency change:
	// the compressed bytes of the layers the image before it did not have.
	PushAfterDependency Metric = "push_after_dependency"
	// FirstAnswer is the time from starting a container to the first HTTP
	// answer at the probe URL (seconds).
	FirstAnswer Metric = "first_answer"
)

// Metrics lists every metric in display order.
var Metrics = []Metric{ImageSize, CompressedSize, LayerCount, ColdBuild, RebuildPyproject, RebuildDependency, RebuildCode, PushAfterDependency, FirstAnswer}

// Unit is what a metric's values count.
type Unit string

// The units.
const (
	Bytes   Unit = "bytes"
	Seconds Unit = "seconds"
	Count   Unit = "count"
)

// Unit returns what m's values count.
func (m Metric) Unit() Unit {
	switch m {
	case ImageSize, CompressedSize, PushAfterDependency:
		return Bytes
	case LayerCount:
		return Count
	default:
		return Seconds
	}
}

// Title is m's name for people, as table headers show it.
func (m Metric) Title() string {
	switch m {
	case ImageSize:
		return "image size"
	case CompressedSize:
		return "compressed"
	case LayerCount:
		return "layers"
	case ColdBuild:
		return "cold build"
	case RebuildPyproject:
		return "rebuild: pyproject comment"
	case RebuildDependency:
		return "rebuild: dependency added"
	case RebuildCode:
		return "rebuild: code change"
	case PushAfterDependency:
		return "push after dependency"
	case FirstAnswer:
		return "start to first answer"
	}
	return string(m)
}
