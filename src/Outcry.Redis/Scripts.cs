namespace Outcry.Redis;

/// <summary>
/// The Lua scripts that keep the history consistent. Each runs atomically in Redis: a position is assigned, kept in
/// every room and published in one step, and every node sees publications in position order (one channel). The
/// caller passes the time (unix ms, its <see cref="TimeProvider"/>), so age limits are decided as on one node; the
/// keys' own expiry only collects what the sweep did not.
/// </summary>
internal static class Scripts
{
    // The epoch, created when missing; a new epoch restarts the sequence (positions of the old one cannot resume).
    private const string Epoch = """
        local epoch = redis.call('GET', KEYS[1])
        if not epoch then
          epoch = ARGV[2]
          redis.call('SET', KEYS[1], epoch)
          redis.call('SET', KEYS[2], 0)
        end
        """;

    /// <summary>KEYS: epoch, sequence. ARGV: now, a new epoch in case there is none. Returns {epoch, sequence}.</summary>
    public const string Latest = Epoch + """

        return {epoch, tonumber(redis.call('GET', KEYS[2]) or '0')}
        """;

    /// <summary>
    /// KEYS: epoch, sequence, rooms index, removed watermark, log, the publication's id key, then per room its
    /// history, meta and state keys. ARGV: now, new epoch, channel, payload tail, volatile (1/0), state key ('' for
    /// none), state ttl ms, log size, publish command (PUBLISH or SPUBLISH), id window ms (0: no id); then per room:
    /// size, ttl ms, its name in the index. Returns {epoch, sequence (0 when volatile)}, or for an id seen within its
    /// window (published again: nothing is done) {epoch, 0, the first one's position ('' when it was volatile)}.
    /// </summary>
    public const string Publish = Epoch + """

        local now = tonumber(ARGV[1])
        local idWindow = tonumber(ARGV[10])
        if idWindow > 0 then
          local first = redis.call('GET', KEYS[6])
          if first then
            return {epoch, 0, first}
          end
        end
        if ARGV[5] == '1' then
          redis.call(ARGV[9], ARGV[3], '{"t":' .. ARGV[1] .. ',' .. ARGV[4])
          if idWindow > 0 then
            redis.call('SET', KEYS[6], '', 'PX', idWindow)
          end
          return {epoch, 0}
        end
        local seq = redis.call('INCR', KEYS[2])
        local payload = '{"t":' .. ARGV[1] .. ',"s":' .. seq .. ',"ep":"' .. epoch .. '",' .. ARGV[4]
        local stateTtl = tonumber(ARGV[7])
        -- The log lets a node whose subscription dropped for a moment fetch what it missed.
        redis.call('ZADD', KEYS[5], seq, payload)
        redis.call('ZREMRANGEBYRANK', KEYS[5], 0, -tonumber(ARGV[8]) - 1)
        for i = 0, (#KEYS - 6) / 3 - 1 do
          local h, m, s = KEYS[7 + i * 3], KEYS[8 + i * 3], KEYS[9 + i * 3]
          local size, ttl, name = tonumber(ARGV[11 + i * 3]), tonumber(ARGV[12 + i * 3]), ARGV[13 + i * 3]
          if redis.call('EXISTS', m) == 0 then
            -- A new room knows what removed rooms lost (the same name may have had history before).
            redis.call('HSET', m, 'evicted', redis.call('GET', KEYS[4]) or '0')
          end
          local evicted = tonumber(redis.call('HGET', m, 'evicted'))
          if size > 0 then
            redis.call('ZADD', h, seq, payload)
            local over = redis.call('ZCARD', h) - size
            if over > 0 then
              local gone = redis.call('ZRANGE', h, over - 1, over - 1, 'WITHSCORES')
              evicted = math.max(evicted, tonumber(gone[2]))
              redis.call('ZREMRANGEBYRANK', h, 0, over - 1)
            end
          else
            evicted = seq
          end
          redis.call('HSET', m, 'evicted', evicted, 'last', seq)
          local keep = ttl
          if ARGV[6] ~= '' then
            redis.call('HSET', s, ARGV[6], payload)
            keep = math.max(ttl, stateTtl)
          end
          local expires = now + keep
          if expires > tonumber(redis.call('ZSCORE', KEYS[3], name) or '0') then
            redis.call('ZADD', KEYS[3], expires, name)
          end
          -- A safety net only: the sweep removes rooms on time and remembers what they lost.
          for _, key in ipairs({h, m, s}) do
            redis.call('PEXPIRE', key, keep + 3600000)
          end
        end
        redis.call(ARGV[9], ARGV[3], payload)
        if idWindow > 0 then
          redis.call('SET', KEYS[6], epoch .. '-' .. seq, 'PX', idWindow)
        end
        return {epoch, seq}
        """;

    /// <summary>
    /// KEYS: history, meta, epoch, sequence, removed watermark. ARGV: now, since epoch ('' for the newest), since
    /// sequence, limit, ttl ms. Drops entries older than the ttl first. Returns {epoch, latest, complete (1/0),
    /// more (1/0), entries…}.
    /// </summary>
    public const string Read = """
        local now = tonumber(ARGV[1])
        local epoch = redis.call('GET', KEYS[3]) or ''
        local latest = tonumber(redis.call('GET', KEYS[4]) or '0')
        local hasSince = ARGV[2] ~= ''
        local since = tonumber(ARGV[3])
        local limit = tonumber(ARGV[4])
        if hasSince and (ARGV[2] ~= epoch or since > latest) then
          return {epoch, latest, 0, 0}
        end
        if redis.call('EXISTS', KEYS[2]) == 0 then
          local removed = tonumber(redis.call('GET', KEYS[5]) or '0')
          return {epoch, latest, ((not hasSince) or since >= removed) and 1 or 0, 0}
        end
        local evicted = tonumber(redis.call('HGET', KEYS[2], 'evicted') or '0')
        local cutoff = now - tonumber(ARGV[5])
        while true do
          local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
          if #first == 0 or tonumber(string.match(first[1], '^{"t":(%d+)')) > cutoff then
            break
          end
          evicted = math.max(evicted, tonumber(first[2]))
          redis.call('ZREMRANGEBYRANK', KEYS[1], 0, 0)
        end
        redis.call('HSET', KEYS[2], 'evicted', evicted)
        local result = {epoch, latest, 1, 0}
        local items = {}
        if not hasSince then
          if limit > 0 then
            items = redis.call('ZRANGE', KEYS[1], -limit, -1)
          end
          if redis.call('ZCARD', KEYS[1]) > limit then
            result[4] = 1
          end
        else
          if since < evicted then
            return {epoch, latest, 0, 0}
          end
          items = redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. since, '+inf', 'LIMIT', 0, limit + 1)
          if #items > limit then
            result[4] = 1
            items[#items] = nil
          end
        end
        for _, item in ipairs(items) do
          result[#result + 1] = item
        end
        return result
        """;

    /// <summary>
    /// KEYS: rooms index, removed watermark. ARGV: now, key prefix, at most how many rooms. Removes the rooms whose
    /// history and state have all expired, remembering the highest sequence each lost. Returns how many it removed.
    /// </summary>
    public const string Sweep = """
        local rooms = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[3]))
        local removed = tonumber(redis.call('GET', KEYS[2]) or '0')
        for _, room in ipairs(rooms) do
          local m = ARGV[2] .. room .. ':m'
          removed = math.max(removed, tonumber(redis.call('HGET', m, 'last') or '0'))
          redis.call('DEL', ARGV[2] .. room .. ':h', m, ARGV[2] .. room .. ':s')
          redis.call('ZREM', KEYS[1], room)
        end
        redis.call('SET', KEYS[2], removed)
        return #rooms
        """;
}
