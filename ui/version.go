package ui

import "runtime/debug"
import "sync"

// modulePath is the module whose version the dashboard shows.
const modulePath = "github.com/yakser/asynqpg"

// develVersion is shown when the build info has no version.
const develVersion = "(devel)"

// detectVersion returns the version of the module as the binary's build
// info records it, or "(devel)".
var detectVersion = sync.OnceValue(func() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return develVersion
	}
	return moduleVersion(info)
})

func moduleVersion(info *debug.BuildInfo) string {
	mods := append([]*debug.Module{&info.Main}, info.Deps...)
	for _, m := range mods {
		if m.Path != modulePath && m.Path != modulePath+"/ui" {
			continue
		}
		if m.Replace != nil || m.Version == "" {
			return develVersion
		}
		return m.Version
	}
	return develVersion
}
