// Command daprd is Dapr's sidecar built with the stable component set plus the few non-stable
// components this project relies on. The full `allcomponents` set does not compile with current
// Go (an assembly file in a dependency of bindings.kitex), so we add only what we use.
package main

import (
	"github.com/dapr/components-contrib/nameresolution/sqlite"
	"github.com/dapr/dapr/cmd/daprd/app"
	nrLoader "github.com/dapr/dapr/pkg/components/nameresolution"
)

func main() {
	// SQLite name resolution gives each local region its own app-id namespace on one machine;
	// mDNS would mix the regions' identical app-ids.
	nrLoader.DefaultRegistry.RegisterComponent(sqlite.NewResolver, "sqlite")
	app.Run()
}
