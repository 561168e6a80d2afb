"""The service directory of Bamako protection actors.

models      organisations, services, service-at-location, coverage, contacts and ordered channels,
            the editable vocabularies (service_type, place)
seed, demo  idempotent seeding of the vocabularies; the demo directory (fictitious, demo-flagged contacts)
view        build_directory_view(session) -> routing.view.DirectoryView
search      search_services(session, SearchFilters, now) — type, place (coverage-aware), language, open now
editing     audited changes made by people (API and web); set_capacity for the provider's focal point
phones, channels, hours   pure helpers: E.164 (ML default), channel addresses, weekly hours / open now
exchange/   HSDS 3.0 JSON, HSDS tabular package, one-sheet CSV: parse -> validate -> apply (PROFILE.md)
api, web, cli             the edges: /api/v1/directory, /api/v1/hsds, /annuaire, `sira directory`
"""
