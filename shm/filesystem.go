package shm

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

// ErrFileSystem is wrapped by the invalid_fd error of a pool whose file
// lives on a file system that a process or a network serves (FUSE, NFS,
// CIFS, ...): reading its pages can block for as long as that server
// wants, and the read would block the display loop (docs/shm.md, "Which
// files may back a pool").
var ErrFileSystem = errors.New("shm: pool file on a file system that may stall reads")

// localFileSystems are the file systems, besides shared memory, whose
// pages the kernel reads from a local device: a read may wait for the
// disk, never for a process. A pool file on any other file system (FUSE,
// network, or one not listed) is refused. Shared memory (memfd, tmpfs,
// hugetlbfs) is recognised by F_GET_SEALS before this list is consulted.
var localFileSystems = map[string]bool{
	"tmpfs": true, "hugetlbfs": true, "ramfs": true, "devtmpfs": true,
	"ext2": true, "ext3": true, "ext4": true, "xfs": true, "btrfs": true,
	"f2fs": true, "jfs": true, "reiserfs": true, "nilfs2": true, "bcachefs": true,
	"zfs": true, "overlay": true, "vfat": true, "msdos": true, "exfat": true,
	"ntfs3": true, "hfsplus": true, "udf": true, "iso9660": true,
	"squashfs": true, "erofs": true,
}

// checkFileSystem refuses a pool fd whose reads could stall on a server.
// It never calls into the file's file system (fstatfs and fstat would:
// on FUSE both are requests to the server, which may never answer):
//   - F_GET_SEALS succeeds only on shared memory (memfd, tmpfs and
//     hugetlbfs files): accepted at once, which is every client that uses
//     memfd_create, shm_open or a file in $XDG_RUNTIME_DIR;
//   - a file that is not regular (a pipe, a socket, a device) is left to
//     mmap, which refuses it as libwayland's does, or maps it (/dev/zero);
//   - a regular file is accepted on the file systems of localFileSystems,
//     found from its mount id (statx without sync) in
//     /proc/self/mountinfo.
func checkFileSystem(fd int) error {
	if _, err := unix.FcntlInt(uintptr(fd), unix.F_GET_SEALS, 0); err == nil {
		return nil
	}
	var stx unix.Statx_t
	err := unix.Statx(fd, "", unix.AT_EMPTY_PATH|unix.AT_STATX_DONT_SYNC, unix.STATX_TYPE|unix.STATX_MNT_ID, &stx)
	if err != nil {
		return nil // not a file mmap can map either: mmap says why
	}
	if stx.Mode&unix.S_IFMT != unix.S_IFREG {
		return nil
	}
	mnt := int64(-1)
	if stx.Mask&unix.STATX_MNT_ID != 0 {
		mnt = int64(stx.Mnt_id)
	} else if mnt, err = fdMountID(fd); err != nil {
		return fmt.Errorf("%w: cannot tell its file system: %v", ErrFileSystem, err)
	}
	fstype, err := mountFSType(mnt)
	if err != nil {
		return fmt.Errorf("%w: cannot tell its file system: %v", ErrFileSystem, err)
	}
	if !localFileSystems[fstype] {
		return fmt.Errorf("%w (%s)", ErrFileSystem, fstype)
	}
	return nil
}

// fdMountID reads the mount id of fd from /proc/self/fdinfo (kernels
// before 5.8, whose statx has no STATX_MNT_ID).
func fdMountID(fd int) (int64, error) {
	b, err := os.ReadFile("/proc/self/fdinfo/" + strconv.Itoa(fd))
	if err != nil {
		return 0, err
	}
	for _, line := range bytes.Split(b, []byte("\n")) {
		if v, ok := bytes.CutPrefix(line, []byte("mnt_id:")); ok {
			return strconv.ParseInt(string(bytes.TrimSpace(v)), 10, 64)
		}
	}
	return 0, errors.New("no mnt_id in fdinfo")
}

// mountFSType returns the file system type of mount id from
// /proc/self/mountinfo. It is read on every call: mount ids are reused
// after an unmount, so a cached answer could name another mount.
func mountFSType(id int64) (string, error) {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return "", err
	}
	defer f.Close()
	want := []byte(strconv.FormatInt(id, 10) + " ")
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	for sc.Scan() {
		line := sc.Bytes()
		if !bytes.HasPrefix(line, want) {
			continue
		}
		// "36 35 98:0 /root /mnt opts optional... - fstype source superopts"
		_, rest, ok := bytes.Cut(line, []byte(" - "))
		if !ok {
			break
		}
		fstype, _, _ := bytes.Cut(rest, []byte(" "))
		return string(fstype), nil
	}
	if err := sc.Err(); err != nil {
		return "", err
	}
	return "", fmt.Errorf("mount %d not in /proc/self/mountinfo", id)
}
