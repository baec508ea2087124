"""Load balancing (Octavia v2): load balancers with a VIP port, listeners, pools, members, health monitors, L7."""
