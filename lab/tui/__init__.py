"""The StackLab console: a Textual terminal UI over openstacksdk (`stacklab tui`).

`app.py` wires screens and bindings, `client.py` is the only module that talks to the cloud, `screens/` holds one
module per screen and `widgets/` the small reusable pieces (gauges, tables, banners). Because the console only
uses openstacksdk, it works against any OpenStack cloud in clouds.yaml, not just StackLab.
"""
