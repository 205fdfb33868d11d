package config

import (
	"fmt"
	"path/filepath"
)

// LoadReplacing loads the file at path like Load, except that the file
// named replace (an include of path, at any depth) reads as src. The
// cluster uses it to validate a pushed shared config merged with the
// node's own file before anything is written. replace must be absolute.
func LoadReplacing(path, replace string, src []byte) (*Config, error) {
	main, err := readLimited(path)
	if err != nil {
		return nil, &Errors{List: []*Error{{Src: Source{File: path}, Msg: fmt.Sprintf("cannot read configuration: %v", err)}}}
	}
	if abs, _ := filepath.Abs(path); abs == replace {
		return nil, fmt.Errorf("config: the shared config %s is the main file; name an included file in Cluster_Config_File", replace)
	}
	read := func(p string) ([]byte, error) {
		if abs, _ := filepath.Abs(p); abs == replace {
			if len(src) > maxFileSize {
				return nil, fmt.Errorf("more than %d bytes", maxFileSize)
			}
			return src, nil
		}
		return readLimited(p)
	}
	return parse(path, filepath.Dir(path), main, read)
}
