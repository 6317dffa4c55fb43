// The pod sandbox ("pause") process, built here because registry.k8s.io is not reachable.
module meridian.local/pause

go 1.24
