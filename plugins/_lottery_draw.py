"""The provably fair draw: a pure function of the secret seed, the participant list and the prize slots.

Anyone holding the published seed and the participant list (in join-number order) can recompute the winners
with the standard library only; docs/lottery.md prints the same few lines.
"""

import hashlib
import hmac

_SPACE = 1 << 256   # HMAC-SHA256 outputs are 256-bit integers


def new_seed():
    """A fresh secret seed: 32 random bytes as 64 lowercase hex characters."""
    import secrets
    return secrets.token_hex(32)


def commitment(seed):
    """What is published before the draw: sha256 of the seed's ASCII text, as hex."""
    return hashlib.sha256(seed.encode("ascii")).hexdigest()


def prize_slots(prizes):
    """[('一等奖', 1), ('奶茶券', 2)] -> ['一等奖', '奶茶券', '奶茶券']: slot i is awarded i-th."""
    return [name for name, count in prizes for _ in range(count)]


def pick_index(seed, slot, n):
    """A uniform index in range(n) for prize slot `slot`, by rejection sampling over HMAC-SHA256 outputs.

    The first try hashes the message f"{slot}", a retry k hashes f"{slot}:{k}". A value is rejected only when
    it falls in the top (2**256 % n) values, which keeps `value % n` exactly uniform; the chance of a retry is
    below n / 2**256, so in practice the answer is HMAC(seed, str(slot)) % n.
    """
    if n <= 0:
        raise ValueError("no one to pick from")
    limit = _SPACE - (_SPACE % n)
    key = seed.encode("ascii")
    attempt = 0
    while True:
        message = f"{slot}" if attempt == 0 else f"{slot}:{attempt}"
        value = int.from_bytes(hmac.new(key, message.encode("ascii"), hashlib.sha256).digest(), "big")
        if value < limit:
            return value % n
        attempt += 1


def draw_winners(seed, participants, prizes):
    """[(slot, prize_name, participant)] for each awarded slot.

    participants: identifiers sorted by join number; prizes: [(name, count)] in the order listed. Each slot
    takes one participant out of the remaining list, so nobody wins twice; when participants run out, the
    remaining slots stay unawarded.
    """
    remaining = list(participants)
    winners = []
    for slot, name in enumerate(prize_slots(prizes)):
        if not remaining:
            break
        winners.append((slot, name, remaining.pop(pick_index(seed, slot, len(remaining)))))
    return winners
