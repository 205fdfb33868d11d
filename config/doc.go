// Package config reads Momentum-style (ecelerity.conf) listener
// configuration into immutable, typed generations.
//
// Pipeline: lexer (lexer.go) → parser with includes (parser.go) → scope
// tree validated against the option registry (build.go, options.go) →
// Config generation (config.go). Fallback (resolve.go), console paths
// (console.go), Print/Dump (print.go, dump.go) and Diff (diff.go) read the
// tree; none of them changes it.
//
// Invariants:
//   - A *Config never changes after Load, Parse, Set or Unset returns it.
//     Set and Unset clone the scope tree and return a new generation with a
//     larger Generation number; the old one stays valid and unchanged.
//   - Every Value carries its Source (file, line, column of the option) and
//     the console path of the scope that set it; defaults have a zero Source.
//   - Two Listens never name the same socket: addresses are compared in
//     canonical form (RFC 5952 for IPv6, absolute cleaned Unix paths).
//   - Every option that is set but that sluice does not act on yet produces
//     a warning; unknown names, wrong types and wrong scopes are errors.
//
// Concurrency: a Config, its Listeners, Listens, Peers, Values and the
// Policies it returns may be read by any number of goroutines without
// locks. The package keeps no mutable global state except the generation
// counter (atomic) and the registry, which is built at init and read-only.
//
// Buffers: Parse does not retain src; Values own their strings. Slices and
// maps inside Values (List, Dict) are shared between generations and
// Policies and must not be modified by callers.
//
// Inputs are bounded: at most 16 MiB per file, 16 levels of include, 1024
// included files, 64 levels of nesting and 50 reported errors, so hostile
// input costs time and memory linear in its size.
package config
