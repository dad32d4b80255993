-- Admission in texts (includes/reserve.lua says how). KEYS: the priority's queued-texts hash, its
-- drain hash, the other priority's queued-texts hash. ARGV: limit, deadline ms, deadline share, now ms,
-- tenant id, the tenant's most queued texts, then chunk id / texts pairs.
--- @include "reserve"
return reserveTexts(KEYS, ARGV)
