# A connector: no input; `{spread}` is filled from the step's parameters.
import datetime
import random

now = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
rates = []
for pair, mid in [("EURUSD", 1.08), ("GBPUSD", 1.27), ("USDJPY", 151.2)]:
    mid = mid * (1 + random.uniform(-0.01, 0.01))
    rates.append({"pair": pair, "bid": round(mid * (1 - {spread}), 5),
                  "ask": round(mid * (1 + {spread}), 5), "at": now.isoformat()})
return rates
