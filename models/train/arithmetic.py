"""Arithmetic as people write it ("17 times 23", "15% of 80", "3 squared"), with its value: the
calculator requests of the corpus."""
from phrases import SMALL, TENS


def words(n: int) -> str:
    if n < 20:
        return SMALL[n]
    if n < 100:
        return TENS[n // 10] + ("" if n % 10 == 0 else "-" + SMALL[n % 10])
    if n < 1000:
        rest = n % 100
        return SMALL[n // 100] + " hundred" + ("" if rest == 0 else " and " + words(rest))
    return str(n)


def spoken_math(g):
    """(the span a person writes, its value), numbers as `g.num` writes them."""
    a, b, c = g.r.randint(2, 999), g.r.randint(2, 99), g.r.randint(2, 12)
    na, nb, nc = g.num(a), g.num(b), g.num(c)
    form = g.r.randrange(19)
    if form == 0:
        op = g.pick(["+", "-", "*", "/"])
        return g.pick([f"{a} {op} {b}", f"{a}{op}{b}"]), eval(f"{a}{op}{b}")  # noqa: S307 our own digits
    if form == 1:
        return f"({a} + {b}) * {c}", (a + b) * c
    if form == 2:
        return f"{na} {g.pick(['times', 'x', 'multiplied by'])} {nb}", a * b
    if form == 3:
        return f"{na} {g.pick(['divided by', 'over'])} {nb}", a / b
    if form == 4:
        return f"{na} plus {nb}", a + b
    if form == 5:
        return f"{na} minus {nb}", a - b
    if form == 6:
        return f"{nb}{g.pick(['%', ' percent', ' per cent'])} of {na}", b / 100 * a
    if form == 7:
        power = g.pick(["squared", "cubed"])
        return f"{nc} {power}", c ** (2 if power == "squared" else 3)
    if form == 8:
        return f"{nc} to the power of {g.num(c % 5 + 2)}", c ** (c % 5 + 2)
    if form == 9:
        return f"half of {na}", a / 2
    if form == 10:
        return f"{g.pick(['double', 'twice'])} {na}", a * 2
    if form == 11:
        return f"add {na} and {nb}", a + b
    if form == 12:
        return f"subtract {nb} from {na}", a - b
    if form == 13:
        return f"multiply {na} by {nb}", a * b
    if form == 14:
        return f"divide {na} by {nb}", a / b
    if form == 15:
        return f"take {nb} away from {na}", a - b
    if form == 16:
        return f"sum of {na}, {nb} and {nc}", a + b + c
    if form == 17:
        return f"remainder of {na} divided by {nb}", a % b
    return f"{na} {g.pick(['mod', 'modulo'])} {nb}", a % b
