"""Small reusable widgets of the console: the live resource table, quota gauges, the bar chart, the connection
banner and the navigation bar."""
