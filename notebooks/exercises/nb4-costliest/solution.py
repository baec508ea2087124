"""Reference answer for exercise nb4."""

from decimal import Decimal


def solve(env):
    bill = env.conn.session.get("/bills/current",
                                endpoint_filter={"service_type": "billing", "interface": "public"}).json()["bill"]
    totals = {}
    for line in bill["line_items"]:
        totals[line["resource_id"]] = totals.get(line["resource_id"], Decimal(0)) + Decimal(line["total"])
    costliest = max(totals, key=totals.get)
    env.conn.image.create_image(name="nb4-answer", disk_format="raw", container_format="bare",
                                costliest=costliest, allow_duplicates=True)
