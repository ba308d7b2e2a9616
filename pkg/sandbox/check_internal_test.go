package sandbox

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestCheckSysctl(t *testing.T) {
	for _, tc := range []struct {
		name   string
		sysctl map[string]string
		uid    int
		want   string
	}{
		{"defaults", map[string]string{}, 1000, ""},
		{"no user namespaces at all", map[string]string{"user/max_user_namespaces": "0"}, 0,
			"sandbox unsupported: user namespaces: user.max_user_namespaces is 0\nhint: enable them with `sysctl -w user.max_user_namespaces=15000`"},
		{"debian switch off, rootless", map[string]string{"kernel/unprivileged_userns_clone": "0"}, 1000,
			"sandbox unsupported: unprivileged user namespaces: kernel.unprivileged_userns_clone is 0\nhint: enable them with `sysctl -w kernel.unprivileged_userns_clone=1`, or run canto as root"},
		{"debian switch off, root", map[string]string{"kernel/unprivileged_userns_clone": "0"}, 0, ""},
		{"apparmor restriction", map[string]string{"kernel/apparmor_restrict_unprivileged_userns": "1"}, 1000,
			"sandbox unsupported: unprivileged user namespaces: AppArmor restricts them (kernel.apparmor_restrict_unprivileged_userns is 1)\nhint: allow them with `sysctl -w kernel.apparmor_restrict_unprivileged_userns=0` or an AppArmor profile for canto granting `userns`, or run canto as root"},
		{"all enabled", map[string]string{"user/max_user_namespaces": "63000", "kernel/unprivileged_userns_clone": "1"}, 1000, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			read := func(name string) (string, error) { return tc.sysctl[name], nil }
			got := ""
			if err := checkSysctl(read, tc.uid); err != nil {
				got = err.Error()
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("checkSysctl (-want +got):\n%s", diff)
			}
		})
	}
}
