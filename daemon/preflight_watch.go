package daemon

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/user"
	"path/filepath"
	"strconv"

	"github.com/lekwacht/lekwacht/config"
)

// currentUser names the user this process runs as, for messages about what it may not read.
func currentUser() string {
	if u, err := user.Current(); err == nil {
		return u.Username
	}
	return strconv.Itoa(os.Geteuid())
}

// watchFolderProblems are the watch: folders run could not watch or whose files it could not
// inspect: a folder that does not exist or is no folder, one this user may not list or enter, and
// files in it this user may not read. Each names the folder, the user and the permission to give.
func watchFolderProblems(cfg *config.Config) []error {
	who := currentUser()
	var errs []error
	for i, w := range cfg.Watch {
		key := fmt.Sprintf("watch.%d.path", i)
		st, err := os.Stat(w.Path)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			errs = append(errs, fmt.Errorf("%s: folder %s does not exist: create it, or correct the path", key, w.Path))
			continue
		case errors.Is(err, fs.ErrPermission):
			errs = append(errs, fmt.Errorf("%s: %s: user %s may not reach it: give it search permission (x) on the folders above it", key, w.Path, who))
			continue
		case err != nil:
			errs = append(errs, fmt.Errorf("%s: %w", key, err))
			continue
		case !st.IsDir():
			errs = append(errs, fmt.Errorf("%s: %s is a file, not a folder: give the folder the files appear in", key, w.Path))
			continue
		}
		grant := fmt.Sprintf("setfacl -m u:%s:rx %s", who, w.Path)
		if w.Recursive {
			grant = fmt.Sprintf("setfacl -R -m u:%[1]s:rX,d:u:%[1]s:rX %[2]s", who, w.Path)
		}
		folders, files := unreadableBelow(w)
		for _, f := range folders {
			errs = append(errs, fmt.Errorf("%s: %s: user %s may not list it: give it read and search permission (r-x), e.g. %s", key, f, who, grant))
		}
		if len(files) > 0 {
			more := ""
			if len(files) > 1 {
				more = fmt.Sprintf(" and %d more", len(files)-1)
			}
			errs = append(errs, fmt.Errorf("%s: %s%s: user %s may not read it, so it cannot be inspected: give read permission, e.g. %s",
				key, files[0], more, who, grant))
		}
	}
	return errs
}

// unreadableBelow lists the folders of a watch that this user may not list or enter, and the
// files already in it that it may not open.
func unreadableBelow(w config.Watch) (folders, files []string) {
	root := filepath.Clean(w.Path)
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrPermission) {
				folders = append(folders, p)
			}
			return nil
		}
		if d.IsDir() {
			if p != root && !w.Recursive {
				return filepath.SkipDir
			}
			// Listing needs r (WalkDir has listed it); looking at what is listed needs x.
			if _, err := os.Lstat(filepath.Join(p, ".")); errors.Is(err, fs.ErrPermission) {
				folders = append(folders, p)
				return filepath.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() {
			return nil
		}
		f, err := os.Open(p)
		if errors.Is(err, fs.ErrPermission) {
			files = append(files, p)
		} else if err == nil {
			f.Close()
		}
		return nil
	})
	return folders, files
}
