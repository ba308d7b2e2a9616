// Package dockerfile owns the classic ways of containerising a Poetry project
// with a Dockerfile, and canto's recommended one: it writes a Dockerfile and a
// matching .dockerignore tailored to a project and its lock. It is pure: it
// reads and fetches nothing, and the same input always gives the same bytes.
package dockerfile
