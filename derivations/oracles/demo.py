PREFIX = "demo"


def quantities():
    return {"demo.four": 4}
