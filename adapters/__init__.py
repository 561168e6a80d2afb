"""Channel adapters: one module per channel behind the port in `adapters.base`.

`adapters.registry.adapter_for` is the only way the rest of Sira should obtain an adapter: it routes demo
contacts and unconfigured channels to the built-in simulator.
"""
