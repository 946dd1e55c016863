package nodejs

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/evanw/esbuild/pkg/api"
)

// nativeAddons keeps native code out of the bundle: a .node file cannot be bundled, and a
// package that loads one (through bindings, node-gyp-build, …) finds it relative to its own
// folder. Both stay external, required by absolute path, so they load from where they are.
func nativeAddons() api.Plugin {
	var mu sync.Mutex
	native := map[string]bool{} // package folder → has native code
	isNative := func(pkgDir string) bool {
		mu.Lock()
		defer mu.Unlock()
		v, ok := native[pkgDir]
		if !ok {
			v = hasNativeCode(pkgDir)
			native[pkgDir] = v
		}
		return v
	}

	return api.Plugin{
		Name: "dev-native-addons",
		Setup: func(b api.PluginBuild) {
			b.OnResolve(api.OnResolveOptions{Filter: `\.node$`}, func(args api.OnResolveArgs) (api.OnResolveResult, error) {
				path := args.Path
				if !filepath.IsAbs(path) {
					if !strings.HasPrefix(path, ".") {
						return api.OnResolveResult{}, nil // a package path: the bare-import rule below
					}
					path = filepath.Join(args.ResolveDir, path)
				}
				return api.OnResolveResult{Path: path, External: true}, nil
			})
			b.OnResolve(api.OnResolveOptions{Filter: `^[^./]`}, func(args api.OnResolveArgs) (api.OnResolveResult, error) {
				if args.PluginData == skipNativeCheck || args.Kind == api.ResolveEntryPoint || args.Namespace != "file" {
					return api.OnResolveResult{}, nil
				}
				res := b.Resolve(args.Path, api.ResolveOptions{
					Importer:   args.Importer,
					Namespace:  args.Namespace,
					ResolveDir: args.ResolveDir,
					Kind:       args.Kind,
					With:       args.With,
					PluginData: skipNativeCheck,
				})
				if len(res.Errors) > 0 || res.External || res.Namespace != "file" {
					return api.OnResolveResult{}, nil // esbuild's own resolution reports or handles it
				}
				pkgDir, ok := packageDir(res.Path)
				if !ok || !isNative(pkgDir) {
					return api.OnResolveResult{}, nil
				}
				return api.OnResolveResult{Path: res.Path, External: true}, nil
			})
		},
	}
}

// skipNativeCheck marks the plugin's own b.Resolve calls, which must not recurse into it.
var skipNativeCheck = new(int)

// packageDir is the node_modules/<name> (or node_modules/@scope/<name>) folder holding path.
func packageDir(path string) (string, bool) {
	parts := strings.Split(filepath.ToSlash(path), "/")
	for i := len(parts) - 2; i >= 0; i-- {
		if parts[i] != "node_modules" || i+1 >= len(parts)-1 {
			continue
		}
		end := i + 2
		if strings.HasPrefix(parts[i+1], "@") {
			end = i + 3
		}
		if end > len(parts)-1 {
			return "", false
		}
		return filepath.FromSlash(strings.Join(parts[:end], "/")), true
	}
	return "", false
}

// nativeLoaders are the packages through which addons find their compiled .node file.
var nativeLoaders = []string{"bindings", "node-gyp-build", "node-pre-gyp", "@mapbox/node-pre-gyp", "prebuild-install", "nan", "node-addon-api"}

func hasNativeCode(pkgDir string) bool {
	if _, err := os.Stat(filepath.Join(pkgDir, "binding.gyp")); err == nil {
		return true
	}
	data, err := os.ReadFile(filepath.Join(pkgDir, "package.json"))
	if err != nil {
		return false
	}
	var pkg struct {
		Gypfile      bool              `json:"gypfile"`
		Dependencies map[string]string `json:"dependencies"`
	}
	if json.Unmarshal(data, &pkg) != nil {
		return false
	}
	if pkg.Gypfile {
		return true
	}
	for _, name := range nativeLoaders {
		if _, ok := pkg.Dependencies[name]; ok {
			return true
		}
	}
	return false
}
