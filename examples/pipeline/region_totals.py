# A transform: `rows` is the orders table (a pandas DataFrame in Arrow mode).
value = rows["qty"] * rows["price"]
totals = rows.assign(value=value).groupby("region", as_index=False).agg(
    orders=("order_id", "count"), quantity=("qty", "sum"), value=("value", "sum"))
log.info(f"{len(rows)} orders in {len(totals)} regions")
return totals
