// Package bench measures ways of building one Poetry project side by side:
// image size, cold and incremental build times, push bytes and start-up
// time, repeated and summarised as medians with their spread.
package bench
