package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"runtime/debug"
)

// The command line as Go users know it from the go command and the
// standard library's flag package, with what that package lacks: flags
// anywhere among the arguments, help on standard output (it was asked for),
// `help COMMAND`, and --version. Three commands and a dozen flags need no
// framework: the binary stays the size of what it does (see BENCHMARKS.md).

// newFlags returns the flag set of a command whose usage text is usage:
// errors and their usage go to stderr.
func newFlags(name, usage string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), usage)
		fs.PrintDefaults()
	}
	return fs
}

// parseArgs parses args with fs, flags before, between and after the
// other arguments (a lone "--" ends the flags), and returns the others in
// order. With -h or --help it prints the usage to stdout and returns
// ok false and code 0; with a bad flag, the error and usage go to stderr,
// and code is exitUsage.
func parseArgs(fs *flag.FlagSet, args []string, stdout io.Writer) (rest []string, code int, ok bool) {
	for _, a := range args {
		if a == "--" {
			break
		}
		if a == "-h" || a == "-help" || a == "--help" {
			errOut := fs.Output()
			fs.SetOutput(stdout)
			fs.Usage()
			fs.SetOutput(errOut)
			return nil, exitOK, false
		}
	}
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, exitOK, false
			}
			return nil, exitUsage, false
		}
		left := fs.Args()
		if len(left) == 0 {
			return rest, 0, true
		}
		if len(args) > len(left) && args[len(args)-len(left)-1] == "--" {
			return append(rest, left...), 0, true // everything after "--" is an argument
		}
		rest, args = append(rest, left[0]), left[1:]
	}
}

// version is the module's version and the commit it was built from, as the
// Go toolchain recorded them (go install ...@v1.2.3, or a build in a clone).
func version() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "autoidentify (unknown version)"
	}
	v := info.Main.Version
	var rev, modified string
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				modified = "+dirty"
			}
		}
	}
	if rev != "" {
		v += " (" + rev[:min(12, len(rev))] + modified + ")"
	}
	return "autoidentify " + v + " " + info.GoVersion
}
