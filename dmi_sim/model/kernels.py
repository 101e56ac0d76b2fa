"""Compiled inner loops of the daily submodels (numba, compiled once and cached on disk).

Every kernel does what the numpy code it replaced did, element by element and in the same
order of operations, so a seed gives the same run. Random draws come from the model's own
generator, drawn inside the kernels with numpy's algorithms in the numpy code's order
(``dmi_sim.model.stream``); ``exp`` is the C library's, which is numpy's too on machines
without AVX-512 (elsewhere numpy's own loop can differ in the last bit); float reductions
that feed the daily series add as numpy does (pairwise). Each submodel runs in one or a
few calls instead of dozens of small numpy ones; only rarer draws (new entrants' cells,
the DMI's controlled buys and call-in, the initial state) are still numpy's own calls in
Python, between kernels.
"""

from __future__ import annotations

import math

import numpy as np

from dmi_sim.model.stream import (
    exponential,
    gamma,
    integers,
    kernel,
    poisson,
    poissons,
    shuffle,
    standard_normals,
    uniform,
    uniforms,
    weighted_choice,
)


@kernel
def exp_of(values: np.ndarray) -> np.ndarray:
    """``np.exp(values)``: the C library's exp, which is numpy's too where numpy has no
    AVX-512 loop of its own (tests/test_model_stream.py checks it on the machine)."""
    out = np.empty_like(values)
    for i in range(values.size):
        out[i] = math.exp(values[i])
    return out


@kernel
def exp_where(values: np.ndarray, where: np.ndarray) -> np.ndarray:
    """``np.exp(values)`` where ``where`` holds, 1.0 elsewhere (for a factor that is
    multiplied by 0 there: its exp need not be taken)."""
    out = np.ones_like(values)
    for i in range(values.size):
        if where[i]:
            out[i] = math.exp(values[i])
    return out


@kernel
def log_of(values: np.ndarray) -> np.ndarray:
    """``np.log(values)``: the C library's log, numpy's too without AVX-512 (as ``exp_of``)."""
    out = np.empty_like(values)
    flat, into = values.ravel(), out.ravel()
    for i in range(flat.size):
        into[i] = math.log(flat[i])
    return out


@kernel
def _window_rows(values: np.ndarray, radius: int) -> np.ndarray:
    """Row i of the result: the sum of rows i-r..i+r of ``values`` (within the array),
    added in order of row; contiguous rows, so the inner loop runs in SIMD lanes."""
    w, h = values.shape
    out = np.zeros((w, h))
    for i in range(w):
        for k in range(max(0, i - radius), min(w, i + radius + 1)):
            for j in range(h):
                out[i, j] += values[k, j]
    return out


@kernel
def box_sum(values: np.ndarray, radius: int) -> np.ndarray:
    """Sum of ``values`` over the (2r+1)^2 square around every cell, zero outside the grid.

    Separable: a window along x, then (on the transpose) along y, each cell's terms added
    in order of position (O(r) per cell, so linear in the number of cells for a given
    radius; the order makes the result the same on every machine, unlike a BLAS product).
    """
    along_x = _window_rows(values, radius)
    return _window_rows(along_x.T.copy(), radius).T.copy()


@kernel
def counts(x: np.ndarray, y: np.ndarray, height: int, shape: tuple) -> np.ndarray:
    """How many of the positions fall on each cell (``np.bincount``, reshaped, as floats)."""
    out = np.zeros(shape)
    for i in range(x.size):
        out[x[i], y[i]] += 1.0
    return out


@kernel
def _clip01(v: float) -> float:
    return min(max(v, 0.0), 1.0)


@kernel
def residents_see(
    x,
    y,
    sellers_on_cells,
    guard_field,
    disorder_field,
    violence_field,
    radius,
    fear,
    efficacy,
    aware,
    pull,
    k,
):
    """Residents.live, first part: what each household sees (sellers and violence within
    ``radius``: box sums), its fear, and the argument ``-k u`` of its logistic choice to go
    out (``residents_day`` takes its exp).

    Returns sellers_seen, guard, surroundings (the fear is updated in place); ``k`` holds
    exposure_dealing, exposure_disorder, exposure_violence, reassurance, fear_rate,
    outdoor_social, outdoor_threshold, outdoor_steepness.
    """
    sellers_box = box_sum(sellers_on_cells, radius)
    violence_box = box_sum(violence_field, radius)
    n = x.size
    seen = np.empty(n)
    guard = np.empty(n)
    around = np.empty(n)
    minus_ku = np.empty(n)
    for i in range(n):
        cx, cy = x[i], y[i]
        seen[i] = sellers_box[cx, cy]
        guard[i] = guard_field[cx, cy]
        around[i] = k[1] * disorder_field[cx, cy] + k[2] * min(1.0, violence_box[cx, cy])
        exposure = k[0] * min(1.0, seen[i] / 2.0) + around[i]
        target = _clip01(exposure * (1.0 - k[3] * guard[i]))
        fear[i] += k[4] * (target - fear[i])
        u = efficacy[i] - fear[i] + k[5] * guard[i] - k[6]
        u = u + pull * (1.0 if aware[i] else 0.0)
        minus_ku[i] = -k[7] * u
    return seen, guard, around, minus_ku


@kernel
def residents_act(
    x, y, e_minus_ku, draw_out, guard, arrests_box, efficacy, trust, aware, outdoors, k
):
    """Residents.live, second part: go out, build efficacy, gain or lose trust (in place).
    ``k`` holds pull, efficacy_rate, efficacy_base, efficacy_social, trust_rate,
    trust_base, trust_arrest_loss, engaged (0/1), trust_gain."""
    for i in range(x.size):
        a = 1.0 if aware[i] else 0.0
        outdoors[i] = draw_out[i] < 1.0 / (1.0 + e_minus_ku[i])
        efficacy[i] += k[1] * (_clip01(k[2] + k[3] * guard[i] + k[0] * a) - efficacy[i])
        t = trust[i]
        t += k[4] * (k[5] - t)
        loss = k[6] * arrests_box[x[i], y[i]]
        if k[7] != 0.0 and aware[i]:
            loss = 0.0
        t -= loss
        t += k[8] * a
        trust[i] = _clip01(t)


@kernel
def residents_report(
    x, y, draw_report, seen, around, fear, trust, aware, outdoors, disorder_field, k
):
    """Residents._report's elementwise part: drug-report mask (scaled by the dealing in
    sight, min(1, seen / 2)) and the rate of other calls.
    ``k`` holds exposure_dealing, report_prob, report_boost, background_calls,
    nuisance_calls."""
    n = x.size
    drug = np.zeros(n, dtype=np.bool_)
    rate = np.empty(n)
    for i in range(n):
        a = 1.0 if aware[i] else 0.0
        nuisance = k[0] * seen[i] / 2.0 + around[i]
        p_rep = k[1] * trust[i] * (1.0 - fear[i])
        p_rep = min(1.0, p_rep * (1.0 + k[2] * a))
        drug[i] = outdoors[i] and draw_report[i] < p_rep * min(1.0, seen[i] / 2.0)
        rate[i] = k[3] * (1.0 + disorder_field[x[i], y[i]]) + k[4] * nuisance
    return drug, rate


@kernel
def residents_close(
    x,
    y,
    drug,
    other,
    zone,
    eyes,
    outdoors,
    efficacy,
    trust,
    fear,
    draw_move,
    aware,
    households_near,
    guard_field,
    k,
):
    """Residents.live, last part: tally the calls, the informal control of the households
    overlooking the market (the mean of its terms, numpy's bits), move-outs (in place),
    then today's guardianship written into ``guard_field``. ``k`` holds move_threshold,
    move_rate, newcomer_efficacy, trust_base.

    Returns reports_on_cells, drug reports, market-zone calls, other calls, households
    overlooking the market, their informal control, households that moved out.
    """
    shape = guard_field.shape
    on_cells = np.zeros(shape)
    n_drug = 0
    n_other = 0
    market = 0
    n_eyes = 0
    for i in range(x.size):
        if drug[i]:
            on_cells[x[i], y[i]] += 1.0
            n_drug += 1
        n_other += other[i]
        if zone[i]:
            market += other[i] + (1 if drug[i] else 0)
        if eyes[i]:
            n_eyes += 1
    control = np.empty(n_eyes)
    j = 0
    for i in range(x.size):
        if eyes[i]:
            out = 1.0 if outdoors[i] else 0.0
            control[j] = out * efficacy[i] * trust[i] * (1.0 - fear[i])
            j += 1
    moved = 0
    for i in range(x.size):
        excess = _clip01((fear[i] - k[0]) / (1.0 - k[0] + 1e-9))
        if draw_move[i] < k[1] * excess:
            fear[i] = 0.0
            efficacy[i] = k[2]
            trust[i] = k[3]
            aware[i] = False
            moved += 1
    guard_field[:] = guardianship(x, y, outdoors, households_near, shape)
    return on_cells, n_drug, market, n_other, control.size, mean(control), moved


@kernel
def guardianship(x, y, outdoors, households_near, shape):
    """Share of households outdoors within two cells, per cell (0 where none live)."""
    out = np.zeros(shape)
    for i in range(x.size):
        if outdoors[i]:
            out[x[i], y[i]] += 1.0
    near = box_sum(out, 2)
    g = np.zeros(shape)
    for i in range(shape[0]):
        for j in range(shape[1]):
            if households_near[i, j] > 0:
                g[i, j] = near[i, j] / households_near[i, j]
    return g


@kernel
def residents_day(
    stream,
    x,
    y,
    sellers_on_cells,
    arrests_on_cells,
    guard_field,
    disorder_field,
    violence_field,
    radius,
    fear,
    efficacy,
    trust,
    aware,
    outdoors,
    pull,
    zone,
    eyes,
    households_near,
    k_see,
    k_act,
    k_report,
    k_close,
):
    """Residents.live in one call: ``residents_see``, the exp of the choice to go out,
    ``residents_act`` (with the arrests seen, a box sum), ``residents_report``, each
    household's other calls (Poisson) and ``residents_close``, with the draws of
    ``rng.random(2 n)``, ``rng.poisson(rate)`` and ``rng.random(n)`` made from ``stream``
    in that order. Returns what ``residents_close`` returns."""
    n = x.size
    seen, guard, around, minus_ku = residents_see(
        x,
        y,
        sellers_on_cells,
        guard_field,
        disorder_field,
        violence_field,
        radius,
        fear,
        efficacy,
        aware,
        pull,
        k_see,
    )
    draws = uniforms(stream, 2 * n)  # who goes out, then who reports
    arrests_seen = arrests_on_cells  # zero on a day without arrests, and so its box sum
    if arrests_on_cells.any():
        arrests_seen = box_sum(arrests_on_cells, radius)
    residents_act(
        x,
        y,
        exp_of(minus_ku),
        draws[:n],
        guard,
        arrests_seen,
        efficacy,
        trust,
        aware,
        outdoors,
        k_act,
    )
    drug, rate = residents_report(
        x, y, draws[n:], seen, around, fear, trust, aware, outdoors, disorder_field, k_report
    )
    return residents_close(
        x,
        y,
        drug,
        poissons(stream, rate),
        zone,
        eyes,
        outdoors,
        efficacy,
        trust,
        fear,
        uniforms(stream, n),
        aware,
        households_near,
        guard_field,
        k_close,
    )


@kernel
def market_cdf(reputation: np.ndarray) -> np.ndarray:
    """Cumulative sum of reputation squared (+1e-9) over the cells in C order."""
    flat = reputation.ravel()
    cdf = np.empty(flat.size)
    total = 0.0
    for i in range(flat.size):
        total += flat[i] ** 2 + 1e-9
        cdf[i] = total
    return cdf


@kernel
def search_right(cdf, value):
    """``np.searchsorted(cdf, value, side="right")`` for an ascending ``cdf``: the number
    of entries <= value, by a binary search whose steps are arithmetic, not branches (a
    random draw defeats branch prediction; this halves the cost of placing buyers)."""
    base = 0
    n = cdf.size
    while n > 1:
        half = n // 2
        base += half * (cdf[base + half - 1] <= value)
        n -= half
    return base + (cdf[base] <= value)


@kernel
def place(cdf, draws, height, mask, x, y):
    """Put the rows where ``mask`` holds, in order, on cells drawn by inverse CDF."""
    total = cdf[-1]
    j = 0
    for i in range(mask.size):
        if mask[i]:
            c = min(search_right(cdf, draws[j] * total), cdf.size - 1)
            x[i] = c // height
            y[i] = c % height
            j += 1


@kernel
def weighted_counts(x, y, weights, mask, shape):
    """Sum of ``weights`` of the rows where ``mask`` holds, per cell (bincount's order)."""
    out = np.zeros(shape)
    for i in range(mask.size):
        if mask[i]:
            out[x[i], y[i]] += weights[i]
    return out


@kernel
def mask_counts(x, y, mask, shape):
    """How many rows where ``mask`` holds fall on each cell."""
    out = np.zeros(shape)
    for i in range(mask.size):
        if mask[i]:
            out[x[i], y[i]] += 1.0
    return out


@kernel
def buyers_exponent(police_aversion, guardian_aversion, police, guard):
    """-a_p x police - a_g x guardianship, per buyer."""
    out = np.empty(police_aversion.size)
    for i in range(out.size):
        out[i] = -police_aversion[i] * police - guardian_aversion[i] * guard
    return out


@kernel
def buyers_visit(knows, propensity, deterrent, draws, visited):
    """visited = draw < 1[knows] q deterrent (in place); returns how many come."""
    n = 0
    for i in range(knows.size):
        visited[i] = draws[i] < (propensity[i] if knows[i] else 0.0) * deterrent[i]
        n += visited[i]
    return n


@kernel
def buyers_search_exponent(visited, n_visits, x, y, near, find_rate):
    """-find_rate x connections within reach of each visitor's cell (visitors in order)."""
    out = np.empty(n_visits)
    j = 0
    for i in range(visited.size):
        if visited[i]:
            out[j] = -find_rate * near[x[i], y[i]]
            j += 1
    return out


@kernel
def buyers_found(visited, e_minus, draws):
    """found = visited and draw < 1 - exp(...) (visitors in order)."""
    found = np.zeros(visited.size, dtype=np.bool_)
    j = 0
    n = 0
    for i in range(visited.size):
        if visited[i]:
            found[i] = draws[j] < 1.0 - e_minus[j]
            n += found[i]
            j += 1
    return found, n


@kernel
def buyers_adapt(visited, found, q, usual, success_gain, failure_loss, return_pull):
    """Propensity: success pulls q to usual, failure cuts it, idle buyers drift back."""
    for i in range(q.size):
        if found[i]:
            q[i] += success_gain * (usual[i] - q[i])
        elif visited[i]:
            q[i] *= 1.0 - failure_loss
        else:
            q[i] += return_pull * (usual[i] - q[i])


@kernel
def buyers_spread_word(knows, q, usual, draws, p_learn, forget_share):
    """Learn of the market (draw < p_learn) or forget it (q below forget_share x usual)."""
    for i in range(knows.size):
        if knows[i]:
            if q[i] < forget_share * usual[i]:
                knows[i] = False
                q[i] = usual[i]
        elif draws[i] < p_learn:
            knows[i] = True


@kernel
def market_open(sx, sy, connections, active, radius, guard_field, market_cells, pa, ga, police):
    """Market.trade, first part: the connections within the search radius of each cell
    (``near``) and each buyer's deterrent exponent -a_p police - a_g guardianship (the
    market area's mean guardianship, numpy's bits); ``market_trade`` takes its exp."""
    near = box_sum(weighted_counts(sx, sy, connections, active, guard_field.shape), radius)
    return near, buyers_exponent(pa, ga, police, cells_mean(guard_field, market_cells))


@kernel
def buyers_go(reputation, draws, visited, n_visits, x, y, near, find_rate):
    """Market.trade, second part: today's visitors go to cells drawn from the reputation
    map (the first ``n_visits`` draws) and the exponent of their chance to find a seller
    there is returned (``market_trade`` takes its exp)."""
    place(market_cdf(reputation), draws[:n_visits], reputation.shape[1], visited, x, y)
    return buyers_search_exponent(visited, n_visits, x, y, near, find_rate)


@kernel
def market_trade(
    stream,
    sx,
    sy,
    connections,
    state,
    radius,
    guard_field,
    market_cells,
    police,
    knows,
    propensity,
    usual,
    police_aversion,
    guardian_aversion,
    visited,
    reputation,
    bx,
    by,
    find_rate,
    reliability,
    reputation_rate,
    k,
    sales_per_cell,
):
    """Market.trade in one call: ``market_open``, the deterrent exp, who visits
    (``buyers_visit``, ``rng.random(n)``) and where they go (``buyers_go``, the first half
    of ``rng.random(2 x visitors)``), the exp of the search, then ``buyers_buy`` (the second
    half: whether each visitor finds), the draws from ``stream`` in the numpy code's order.
    Today's sales per cell are written into ``sales_per_cell``. Returns the visits, then
    what ``buyers_buy`` returns."""
    active = state == ACTIVE  # who deals today (state codes: SellerState)
    near, exponent = market_open(
        sx,
        sy,
        connections,
        active,
        radius,
        guard_field,
        market_cells,
        police_aversion,
        guardian_aversion,
        police,
    )
    # the deterrent only of buyers who know the market: the others' chance is 0 whatever it is
    n_visits = buyers_visit(
        knows, propensity, exp_where(exponent, knows), uniforms(stream, knows.size), visited
    )
    draws = uniforms(stream, 2 * n_visits)  # where each visitor goes, then whether he finds
    search_exponent = buyers_go(reputation, draws, visited, n_visits, bx, by, near, find_rate)
    found, n_found, reliability, sales, on_hand = buyers_buy(
        visited,
        n_visits,
        exp_of(search_exponent),
        draws[n_visits:],
        stream,
        bx,
        by,
        propensity,
        usual,
        knows,
        reliability,
        reputation,
        market_cells,
        sx,
        sy,
        active,
        connections,
        near,
        radius,
        reputation_rate,
        k,
        sales_per_cell,
    )
    return n_visits, found, n_found, reliability, sales, on_hand


@kernel
def buyers_buy(
    visited,
    n_visits,
    e_minus,
    draws_find,
    stream,
    bx,
    by,
    q,
    usual,
    knows,
    reliability,
    reputation,
    market_cells,
    sx,
    sy,
    active,
    connections,
    near,
    radius,
    reputation_rate,
    k,
    sales_per_cell,
):
    """Market.trade, last part: who finds a seller, propensities adapt, word spreads,
    sales per cell and per seller, reputation follows the sales (``Buyers.search``,
    ``adapt``, ``_spread_word`` and the rest of ``Market.trade_stepwise``, in order; who
    learns of the market is ``rng.random(n)`` drawn from ``stream``).
    ``k``: success_gain, failure_loss, return_rate, discovery_rate, word_of_mouth,
    forget_share. Sales per cell are written into ``sales_per_cell``. Returns found, how
    many, the new reliability, sales per seller, the active sellers' connections (numpy's
    sum)."""
    found, n_found = buyers_found(visited, e_minus, draws_find)
    if n_visits:
        reliability += 0.1 * (n_found / n_visits - reliability)
    else:
        reliability *= 0.9
    buyers_adapt(visited, found, q, usual, k[0], k[1], k[2] * reliability)
    p_learn = k[3] * cells_mean(reputation, market_cells) + k[4] * (n_found / q.size)
    buyers_spread_word(knows, q, usual, uniforms(stream, q.size), p_learn, k[5])
    sales_per_cell[:] = mask_counts(bx, by, found, reputation.shape)
    sales = seller_sales(active, sx, sy, connections, sales_per_cell, near, radius)
    if n_found:
        follow_sales(reputation, sales_per_cell, reputation_rate)
    return found, n_found, reliability, sales, masked_sum(connections, active)


@kernel
def seller_sales(active, x, y, connections, t, near, radius):
    """Sales per seller: k_j x box(T / K) at the seller's cell."""
    w, h = t.shape
    ratio = np.zeros((w, h))
    for i in range(w):
        for j in range(h):
            if near[i, j] > 0:
                ratio[i, j] = t[i, j] / near[i, j]
    share = box_sum(ratio, radius)
    sales = np.zeros(active.size)
    for i in range(active.size):
        if active[i]:
            sales[i] = connections[i] * share[x[i], y[i]]
    return sales


@kernel
def follow_sales(reputation, sales, rate):
    """rho <- (1 - l) rho + l x box_1(sales) / max (in place)."""
    smoothed = box_sum(sales, 1)
    top = smoothed.max()
    w, h = sales.shape
    for i in range(w):
        for j in range(h):
            reputation[i, j] *= 1.0 - rate
            reputation[i, j] += rate * smoothed[i, j] / top


# Seller states (dmi_sim.model.agents.sellers.SellerState), as plain ints for the kernels.
POOL, DETERRED, ACTIVE, ARRESTED, INCARCERATED, CALLED_IN, IN_SERVICES, DESISTED = range(8)


@kernel
def sellers_decide(
    state,
    high_risk,
    banked_case,
    credible_case,
    expected_profit,
    wage,
    aversion,
    perceived_risk,
    ever_called_in,
    relapsed,
    called_in_day,
    record,
    active_since,
    connections,
    stream,
    sanction,
    k,
    day,
):
    """Sellers.decide_to_sell without the placement of entrants (in place).

    ``sanction``: perceived cost of an arrest for a low-risk, a high-risk and a convinced
    seller; ``k``: entrant_profit, floor under perceived risk (salience, message), the
    watch term, quit_rate, consider_rate, entrant_connections, relapse window (days).
    Who quits and who enters: ``rng.random(n)`` twice, drawn from ``stream``.
    Returns the entrant mask, their number and the tallies relapsed, relapsed_6wk,
    new_recruits, entrants_with_record.
    """
    n = state.size
    draws = uniforms(stream, 2 * n)  # who quits, then who enters
    draw_quit, draw_enter = draws[:n], draws[n:]
    enters = np.zeros(n, dtype=np.bool_)
    n_enter = relapses = soon = recruits = with_record = 0
    for i in range(n):
        active = state[i] == ACTIVE
        profit = expected_profit[i] if active else k[0]
        u0 = profit - wage[i] - aversion[i]
        risk = max(max(perceived_risk[i], k[1]), k[2])
        risk = risk + k[3]
        if banked_case[i] and credible_case[i]:
            cost = sanction[2]
        else:
            cost = sanction[1] if high_risk[i] else sanction[0]
        u = u0 - risk * cost
        if active and u < 0 and draw_quit[i] < k[4]:
            state[i] = DESISTED if ever_called_in[i] else POOL
        s = state[i]
        free = s <= DETERRED or s >= CALLED_IN  # FREE: not dealing and not held
        if free and u > 0 and draw_enter[i] < k[5]:
            enters[i] = True
            n_enter += 1
            if ever_called_in[i] and not relapsed[i]:
                relapsed[i] = True
                relapses += 1
                if day - called_in_day[i] <= k[7]:
                    soon += 1
            if not ever_called_in[i]:
                recruits += 1
            if record[i]:
                with_record += 1
            state[i] = ACTIVE
            active_since[i] = day
            expected_profit[i] = k[0]
            connections[i] = max(connections[i], k[6])
        s = state[i]
        if s <= DETERRED:  # UNDECIDED: POOL or DETERRED
            state[i] = DETERRED if (u0 > 0 and u <= 0) else POOL
    return enters, n_enter, relapses, soon, recruits, with_record


@kernel
def sellers_learn(
    state,
    sales,
    expected_profit,
    perceived_risk,
    banked_case,
    credible_case,
    connections,
    k,
    market_risk,
):
    """Sellers.learn (in place). ``k``: sale value (margin x price), profit_learning_rate,
    risk_learning_rate, vicarious_learning_rate, banked-case risk floor, connection_days,
    connection_loss_days."""
    for i in range(state.size):
        active = state[i] == ACTIVE
        if active:
            profit_today = k[0] * sales[i]
            expected_profit[i] += k[1] * (profit_today - expected_profit[i])
        if state[i] != ARRESTED and state[i] != INCARCERATED:
            rate = k[2] if active else k[3]
            perceived_risk[i] += rate * (market_risk - perceived_risk[i])
        if banked_case[i] and credible_case[i]:
            perceived_risk[i] = max(perceived_risk[i], k[4])
        if active:
            connections[i] += (1.0 - connections[i]) / k[5]
        else:
            connections[i] *= 1.0 - 1.0 / k[6]


@kernel
def observe_sellers(state, high_risk, market, x, y, banked_case):
    """Seller counts of the daily row: active, active low-risk, active high-risk, active
    in the market area, held, banked cases, in services, deterred."""
    out = np.zeros(8, dtype=np.int64)
    for i in range(state.size):
        s = state[i]
        if s == ACTIVE:
            out[0] += 1
            if high_risk[i]:
                out[2] += 1
            else:
                out[1] += 1
            if market[x[i], y[i]]:
                out[3] += 1
        elif ARRESTED <= s <= INCARCERATED:  # HELD
            out[4] += 1
        elif s == IN_SERVICES:
            out[6] += 1
        elif s == DETERRED:
            out[7] += 1
        if banked_case[i]:
            out[5] += 1
    return out


#: numpy's pairwise summation works on blocks of this many elements (PW_BLOCKSIZE).
_PAIRWISE_BLOCK = 128


@kernel
def _block_sum(a, lo, n):
    """numpy's sum of a block of at most _PAIRWISE_BLOCK elements: sequential below 8,
    else eight interleaved partial sums combined as a tree, then the remainder."""
    if n < 8:
        total = 0.0
        for i in range(lo, lo + n):
            total += a[i]
        return total
    r0, r1, r2, r3 = a[lo], a[lo + 1], a[lo + 2], a[lo + 3]
    r4, r5, r6, r7 = a[lo + 4], a[lo + 5], a[lo + 6], a[lo + 7]
    i = lo + 8
    end = lo + n - n % 8
    while i < end:  # eight scalars, not a small array: no allocation per block
        r0 += a[i]
        r1 += a[i + 1]
        r2 += a[i + 2]
        r3 += a[i + 3]
        r4 += a[i + 4]
        r5 += a[i + 5]
        r6 += a[i + 6]
        r7 += a[i + 7]
        i += 8
    total = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while i < lo + n:
        total += a[i]
        i += 1
    return total


@kernel
def _pairwise_sum(a, lo, n):
    """Sum of a[lo:lo+n] in the order numpy's float64 ``add.reduce`` adds a contiguous
    array: blocks as ``_block_sum``; above a block, the sum of the two halves (cut at a
    multiple of 8), each summed the same way. The same bits as numpy, unlike a plain loop.
    The halving runs on an explicit stack (numba's on-disk cache cannot hold a recursive
    function): a frame is a range to sum, or (stage 1) the mark to add the two sums above."""
    if n <= _PAIRWISE_BLOCK:
        return _block_sum(a, lo, n)
    frames = np.empty((128, 3), dtype=np.int64)  # lo, n, stage; depth <= 2 log2(n)
    sums = np.empty(64)
    frames[0, 0], frames[0, 1], frames[0, 2] = lo, n, 0
    top, k = 1, 0
    while top:
        top -= 1
        f_lo, f_n, stage = frames[top, 0], frames[top, 1], frames[top, 2]
        if stage == 1:
            k -= 1
            sums[k - 1] = sums[k - 1] + sums[k]
        elif f_n <= _PAIRWISE_BLOCK:
            sums[k] = _block_sum(a, f_lo, f_n)
            k += 1
        else:
            half = f_n // 2
            half -= half % 8
            frames[top, 2] = 1  # add the halves once both are summed
            frames[top + 1, 0], frames[top + 1, 1], frames[top + 1, 2] = (
                f_lo + half,
                f_n - half,
                0,
            )
            frames[top + 2, 0], frames[top + 2, 1], frames[top + 2, 2] = f_lo, half, 0
            top += 3
    return sums[0]


@kernel
def numpy_sum(values):
    """``np.add.reduce(values, axis=None)`` of a C-contiguous float64 array, to the bit."""
    flat = values.ravel()
    return 0.0 + _pairwise_sum(flat, 0, flat.size)


@kernel
def weighted_hazard(rate, weight, visibility):
    """1 - exp(-visibility x sum(rate x weight) / sum(weight)), 0 where the weights sum to
    0 or less: the daily hazard at a place drawn with the weights (numpy's sums)."""
    total = numpy_sum(weight)
    if total <= 0:
        return 0.0
    return 1.0 - math.exp(-visibility * numpy_sum(rate * weight) / total)


@kernel
def masked_sum(values, mask):
    """``np.add.reduce(values[mask])``, to the bit: the picked values summed pairwise."""
    flat, where = values.ravel(), mask.ravel()
    picked = np.empty(flat.size)
    n = 0
    for i in range(flat.size):
        if where[i]:
            picked[n] = flat[i]
            n += 1
    return 0.0 + _pairwise_sum(picked, 0, n)


@kernel
def mean(values):
    """``values.mean()`` to the bit (nan when empty, without numpy's warning)."""
    return numpy_sum(values) / values.size if values.size else np.nan


@kernel
def cells_sum(values, cells):
    """``np.add.reduce(values.ravel()[cells])`` (``cells``: flat indices, ascending), to
    the bit: ``values[mask]`` summed for the mask of those cells, without scanning it."""
    flat = values.ravel()
    picked = np.empty(cells.size)
    for i in range(cells.size):
        picked[i] = flat[cells[i]]
    return 0.0 + _pairwise_sum(picked, 0, cells.size)


@kernel
def cells_mean(values, cells):
    """``values.ravel()[cells].mean()`` to the bit (nan when there are no cells)."""
    return cells_sum(values, cells) / cells.size if cells.size else np.nan


@kernel
def masked_mean(values, mask):
    """``values[mask].mean()`` to the bit (nan when the mask is empty)."""
    n = mask.sum()
    return masked_sum(values, mask) / n if n else np.nan


@kernel
def _share(flags, mask):
    """Share of ``flags[mask]`` that hold (nan when the mask is empty); whole counts, so
    the same bits as numpy's mean of the booleans."""
    held = n = 0
    for i in range(flags.size):
        if mask[i]:
            n += 1
            held += flags[i]
    return held / n if n else np.nan


@kernel
def observe_day(
    state,
    high_risk,
    sx,
    sy,
    banked_case,
    perceived_risk,
    salience,
    market,
    market_cells,
    catchment_cells,
    sales,
    disorder,
    police,
    outdoors,
    zone,
    fear,
    efficacy,
    trust,
    knows_market,
):
    """Observer.record's reductions in one pass (``Observer.record_stepwise`` is the numpy
    reference): the seller counts of ``observe_sellers``, then transactions (all, market
    area, catchment), mean disorder (all, market area), share of households outdoors (all,
    market zone), mean fear, efficacy and trust, officer-hours on the market area, buyers
    aware of the market, and the mean risk perceived (max of their own and the surge's
    salience) by those free to decide: not ARRESTED or INCARCERATED, whose risk is frozen."""
    sellers = observe_sellers(state, high_risk, market, sx, sy, banked_case)
    everyone = np.ones(outdoors.size, dtype=np.bool_)
    risk = np.empty(perceived_risk.size)
    free = np.empty(perceived_risk.size, dtype=np.bool_)
    for i in range(risk.size):
        risk[i] = max(perceived_risk[i], salience)
        free[i] = state[i] != ARRESTED and state[i] != INCARCERATED
    aware = 0
    for i in range(knows_market.size):
        aware += knows_market[i]
    means = np.array(
        [
            numpy_sum(sales),
            cells_sum(sales, market_cells),
            cells_sum(sales, catchment_cells),
            mean(disorder.ravel()),
            cells_mean(disorder, market_cells),
            _share(outdoors, everyone),
            _share(outdoors, zone),
            mean(fear),
            mean(efficacy),
            mean(trust),
            cells_sum(police, market_cells),
            masked_mean(risk, free),
        ]
    )
    return sellers, means, aware


@kernel
def gather_scaled(values, x, y, mask, factor):
    """factor x values at the cells of the rows where ``mask`` holds (in row order)."""
    out = np.empty(mask.sum())
    j = 0
    for i in range(mask.size):
        if mask[i]:
            out[j] = factor * values[x[i], y[i]]
            j += 1
    return out


@kernel
def enforcement_risk(sx, sy, active, bx, by, visited, visibility, b, arrest_work, directed, a, ah):
    """PoliceForce.enforce before its draws: the risk box_1(R) of the arrest rate R per
    cell, and the exponents -v box_1(R) at each active seller and -b box_1(R Wd / W) at
    each visiting buyer (in row order); ``directed`` is the directed arrest-work hours."""
    w, h = arrest_work.shape
    sellers = mask_counts(sx, sy, active, (w, h))
    buyers = mask_counts(bx, by, visited, (w, h))
    people = np.empty((w, h))
    for i in range(w):
        for j in range(h):
            people[i, j] = visibility * sellers[i, j] + b * buyers[i, j]
    load = box_sum(people, 1)
    rate = np.empty((w, h))
    for i in range(w):
        for j in range(h):
            rate[i, j] = a * arrest_work[i, j] / (1.0 + ah * load[i, j])
    risk = box_sum(rate, 1)
    # Buyers run a risk only from directed operations; on a day without any the directed
    # rate is zero everywhere, and so is its box sum (the same bits, without the work).
    aimed_risk = np.zeros((w, h))
    if directed.any():
        aimed_rate = np.empty((w, h))
        for i in range(w):
            for j in range(h):
                aimed = directed[i, j] / arrest_work[i, j] if arrest_work[i, j] > 0 else 0.0
                aimed_rate[i, j] = rate[i, j] * aimed
        aimed_risk = box_sum(aimed_rate, 1)
    return (
        risk,
        gather_scaled(risk, sx, sy, active, -visibility),
        gather_scaled(aimed_risk, bx, by, visited, -b),
    )


@kernel
def caught_in_random_order(stream, rows, exponent):
    """The ``rows`` whose draw falls below their hazard 1 - exp(``exponent``), in random
    order: ``rng.permutation(rows[rng.random(rows.size) < hazard])``, drawn from
    ``stream``. With no rows, or at most one caught, nothing is drawn for that step (numpy
    would draw nothing either)."""
    if rows.size == 0:
        return rows
    draws = uniforms(stream, rows.size)
    caught = np.empty(rows.size, dtype=rows.dtype)
    n = 0
    for i in range(rows.size):
        # no exp where the exponent is 0 (no directed risk): the hazard is 0 either way
        hazard = 1.0 - math.exp(exponent[i]) if exponent[i] != 0.0 else 0.0
        if draws[i] < hazard:
            caught[n] = rows[i]
            n += 1
    caught = caught[:n]
    if n > 1:
        shuffle(stream, caught)
    return caught


@kernel
def sellers_caught(
    stream,
    sx,
    sy,
    state,
    bx,
    by,
    visited,
    visibility,
    b,
    arrest_work,
    directed_hours,
    arrest_share,
    a,
    ah,
):
    """PoliceForce.enforce up to the sellers' arrests: ``enforcement_risk`` (its directed
    arrest work the plan's arrest share of its directed hours), the active sellers caught,
    in random order (``caught_in_random_order``), and each visiting buyer's exponent
    -b box_1(R Wd / W), for after those arrests. Returns the risk per cell, the sellers
    caught and the buyers' exponents."""
    active = state == ACTIVE  # who deals today (state codes: SellerState)
    risk, seller_arg, buyer_arg = enforcement_risk(
        sx,
        sy,
        active,
        bx,
        by,
        visited,
        visibility,
        b,
        arrest_work,
        arrest_share * directed_hours,
        a,
        ah,
    )
    return risk, caught_in_random_order(stream, np.nonzero(active)[0], seller_arg), buyer_arg


@kernel
def violence_rates(sx, sy, active, active_since, high_risk, counts, radius, day, k):
    """Violence.occur's rate per active seller (row order). ``k``: pair_rate,
    high_risk_factor, contest_factor, newcomer_days."""
    near = box_sum(counts, radius)
    rate = np.empty(active.sum())
    j = 0
    for i in range(active.size):
        if active[i]:
            competitors = near[sx[i], sy[i]] - 1.0
            newcomer = 1.0 if (day - active_since[i]) < k[3] else 0.0
            rate[j] = (
                k[0]
                * max(competitors, 0.0)
                * (k[1] if high_risk[i] else 1.0)
                * (1.0 + k[2] * newcomer)
            )
            j += 1
    return rate


@kernel
def remember(memory, where, days):
    """memory <- memory + (where - memory / days) (in place)."""
    w, h = memory.shape
    for i in range(w):
        for j in range(h):
            memory[i, j] += where[i, j] - memory[i, j] / days


@kernel
def update_disorder(
    disorder, visible_dealing, violence, guardianship, police_seen, presence_disorder, rate
):
    """D <- D + r (clip(drivers, 0, 1) exp(-k P) - D) (in place), P the officer-hours
    within one cell over the 9 cells. Where the drivers are clipped to 0 the damping
    cannot matter and its exp is not taken (0 x exp(-k P) is 0, to the bit)."""
    dealing = box_sum(visible_dealing, 1)
    w, h = disorder.shape
    for i in range(w):
        for j in range(h):
            drivers = _clip01(
                0.5 * min(1.0, dealing[i, j] / 2.0)
                + 0.3 * min(1.0, violence[i, j])
                + 0.1
                - 0.3 * guardianship[i, j]
            )
            if drivers != 0.0:
                drivers *= math.exp(-presence_disorder * police_seen[i, j] / 9.0)
            d = disorder[i, j]
            disorder[i, j] = d + rate * (drivers - d)


@kernel
def seller_cells(x, y, state, visibility, shape):
    """visibility x active sellers per cell."""
    active = state == ACTIVE  # who deals today (state codes: SellerState)
    out = mask_counts(x, y, active, shape)
    w, h = shape
    for i in range(w):
        for j in range(h):
            out[i, j] = visibility * out[i, j]
    return out


@kernel
def sellers_choose_spots(
    stream, x, y, state, radius, reputation, police_seen, guardianship, a_p, a_g
):
    """Sellers.choose_spot in one call: each active seller's four steps,
    ``rng.integers(-r, r + 1, (2, n, 4))`` from ``stream`` (no draw when nobody deals or
    r = 0), the candidates (``spot_candidates``), the log of their reputation and the best
    (``take_best_spot``, in place)."""
    active = state == ACTIVE  # who deals today (state codes: SellerState)
    n = np.count_nonzero(active)
    if n == 0 or radius == 0:
        return
    step = integers(stream, -radius, radius + 1, 2 * n * 4).reshape((2, n, 4))
    cx, cy, rep = spot_candidates(x, y, active, step, reputation)
    take_best_spot(x, y, active, cx, cy, log_of(rep), police_seen, guardianship, a_p, a_g)


@kernel
def spot_candidates(x, y, active, step, reputation):
    """Sellers.choose_spot's candidates: each active seller's own cell, then his four
    steps, kept on the grid; returns them and reputation + 0.01 there (for numpy's log)."""
    w, h = reputation.shape
    n, k = step.shape[1], step.shape[2]
    cx = np.empty((n, k + 1), dtype=np.int64)
    cy = np.empty((n, k + 1), dtype=np.int64)
    rep = np.empty((n, k + 1))
    j = 0
    for i in range(active.size):
        if active[i]:
            for c in range(k + 1):
                dx = step[0, j, c - 1] if c else 0
                dy = step[1, j, c - 1] if c else 0
                cx[j, c] = min(max(x[i] + dx, 0), w - 1)
                cy[j, c] = min(max(y[i] + dy, 0), h - 1)
                rep[j, c] = reputation[cx[j, c], cy[j, c]] + 0.01
            j += 1
    return cx, cy, rep


@kernel
def take_best_spot(x, y, active, cx, cy, log_rep, police_seen, guardianship, a_p, a_g):
    """Each active seller moves to his best-scoring candidate (the first of equals)."""
    j = 0
    for i in range(active.size):
        if active[i]:
            best, top = 0, -np.inf
            for c in range(cx.shape[1]):
                score = (
                    log_rep[j, c]
                    - a_p * police_seen[cx[j, c], cy[j, c]]
                    - a_g * guardianship[cx[j, c], cy[j, c]]
                )
                if score > top:
                    best, top = c, score
            x[i], y[i] = cx[j, best], cy[j, best]
            j += 1


@kernel
def justice_due(
    state,
    timer,
    custody,
    sentence,
    admitted,
    perceived_risk,
    wage,
    stream,
    day,
    reset_admitted,
    own_arrest_risk,
    success_prob,
    wage_gain,
):
    """Justice.process (in place): whoever's timer ends today is sent to prison or released
    (held without custody, or at the end of a term), ends a service episode (a success
    raises the wage; ``rng.random(n)`` drawn from ``stream``) or leaves the call-in
    window. Returns prison admissions, persons among
    them admitted for the first time since the policy started, and releases."""
    if reset_admitted:
        admitted[:] = False
    draws = uniforms(stream, state.size)  # who succeeds, of those ending services today
    admissions = new = released = 0
    for i in range(state.size):
        if timer[i] != day:
            continue
        s = state[i]
        if s == ARRESTED and custody[i]:
            admissions += 1
            if not admitted[i]:
                new += 1
                admitted[i] = True
            state[i] = INCARCERATED
            timer[i] = day + sentence[i]
        elif ARRESTED <= s <= INCARCERATED:  # HELD: released
            state[i] = POOL
            perceived_risk[i] = max(perceived_risk[i], own_arrest_risk)
            released += 1
        elif s == IN_SERVICES:
            if draws[i] < success_prob:
                wage[i] += wage_gain
            state[i] = DESISTED
        elif s == CALLED_IN:
            state[i] = DESISTED
    return admissions, new, released


@kernel
def police_response(reports, disorder, attention, decay, response_hours, sight):
    """PoliceForce.deploy, first part: response hours spread over what yesterday's
    reporters could see, and attention A <- A x decay + (reports + disorder) (in place)."""
    w, h = reports.shape
    response = np.zeros((w, h))
    if response_hours > 0:
        spread = box_sum(reports, sight)
        total = 0.0
        for i in range(w):
            for j in range(h):
                total += spread[i, j]  # whole counts: exact in any order
        for i in range(w):
            for j in range(h):
                response[i, j] = response_hours * spread[i, j] / total
    for i in range(w):
        for j in range(h):
            attention[i, j] *= decay
            attention[i, j] += reports[i, j] + disorder[i, j]
    return response


@kernel
def police_patrol(attention, attention_total, response, directed, k):
    """PoliceForce.deploy, second part: arrest-work hours and officer-hours on the street
    per cell. ``k``: patrol hours, hotspot_share, (1 - hotspot_share) / cells,
    beat_arrest_share, the plan's arrest_share."""
    w, h = attention.shape
    arrest_work = np.empty((w, h))
    on_street = np.empty((w, h))
    for i in range(w):
        for j in range(h):
            patrol = k[0] * (k[1] * (attention[i, j] / attention_total) + k[2])
            arrest_work[i, j] = k[3] * patrol + k[4] * directed[i, j]
            on_street[i, j] = response[i, j] + patrol + directed[i, j]
    return arrest_work, on_street


@kernel
def police_deploy(
    stream, reports, disorder, attention, directed, processing_hours, presence, police_field, k
):
    """PoliceForce.deploy in one pass (``deploy_stepwise`` is the reference): response
    hours for yesterday's reports, attention, patrol and arrest work (``police_response``,
    ``police_patrol``), then presence: the officer-hours on the street less those booking
    yesterday's arrests, written into ``presence`` and ``police_field``. Sums are numpy's
    (pairwise). ``k``: beat budget, response hours per report, attention decay, sight
    radius, hotspot_share, beat_arrest_share, the plan's arrest_share, hours per arrest.
    Returns response hours, hours off the street, arrest-work hours per cell, presence
    within one cell (``box_sum(presence, 1)``) and the day's arrest capacity: the
    arrest-work hours over the hours of one arrest, rounded up or down at random with
    ``rng.random()`` from ``stream`` (unbiased)."""
    n_reports = numpy_sum(reports)
    response_hours = min(k[0], n_reports * k[1])
    response = police_response(
        reports,
        disorder,
        attention,
        k[2],
        response_hours if n_reports > 0 else 0.0,
        int(k[3]),
    )
    patrol_k = np.array([k[0] - response_hours, k[4], (1 - k[4]) / attention.size, k[5], k[6]])
    arrest_work, on_street = police_patrol(
        attention, numpy_sum(attention), response, directed, patrol_k
    )
    total = numpy_sum(on_street)
    off_street = min(processing_hours, total)
    w, h = on_street.shape
    for i in range(w):
        for j in range(h):
            presence[i, j] = on_street[i, j] * (1.0 - off_street / total) if total > 0 else 0.0
            police_field[i, j] = presence[i, j]
    capacity = int(numpy_sum(arrest_work) / k[7] + uniform(stream))
    return response_hours, off_street, arrest_work, box_sum(presence, 1), capacity


@kernel
def violence_day(
    stream,
    sx,
    sy,
    state,
    active_since,
    high_risk,
    radius,
    day,
    k,
    disorder,
    hx,
    hy,
    memory,
    memory_days,
):
    """Violence.occur in one call, drawing from ``stream`` in the numpy code's order: each
    active seller's rate (``violence_rates``) and their sum; today's incidents among
    sellers, ``rng.poisson(sum)`` (no draw when nobody deals), and in the rest of the
    neighbourhood, ``rng.poisson(background_rate x (1 + disorder_factor x mean
    disorder))``; the sellers' incidents at the cells of sellers drawn in proportion to
    their rates (``rng.choice``), the others at random households (``rng.integers``, homes
    ``hx``, ``hy``); then the violence memory follows (``remember``, in place).
    ``k``: pair_rate, high_risk_factor, contest_factor, newcomer_days, background_rate,
    disorder_factor. Returns the number of incidents."""
    active = state == ACTIVE  # who deals today (state codes: SellerState)
    rate = violence_rates(
        sx,
        sy,
        active,
        active_since,
        high_risk,
        mask_counts(sx, sy, active, disorder.shape),
        radius,
        day,
        k,
    )
    total = numpy_sum(rate)
    n_market = poisson(stream, total) if rate.size else 0
    n_background = poisson(stream, k[4] * (1.0 + k[5] * mean(disorder)))
    where = np.zeros(disorder.shape)
    if n_market:
        dealing = np.flatnonzero(active)
        for j in weighted_choice(stream, rate / total, n_market):
            where[sx[dealing[j]], sy[dealing[j]]] += 1.0
    if n_background and hx.size:
        for j in integers(stream, 0, hx.size, n_background):
            where[hx[j], hy[j]] += 1.0
    remember(memory, where, memory_days)
    return n_market + n_background


@kernel
def dmi_found(
    stream,
    state,
    x,
    y,
    banked_case,
    reports_on_cells,
    sight,
    report_response,
    detection,
    follow_through,
):
    """DMIPolicy._follow_up's search: the active sellers the team finds (P = 1 - (1 -
    detection 1[banked case]) exp(-report_response x drug reports in sight)), drawn with
    ``rng.random(active sellers)``, then those it acts on (no banked case, or the banked
    case executed: ``rng.random(found) < follow_through``), both from ``stream``.
    Returns the rows acted on, in order."""
    active = state == ACTIVE  # who deals today (state codes: SellerState)
    reports = box_sum(reports_on_cells, sight)
    rows = np.flatnonzero(active)
    draws = uniforms(stream, rows.size)
    found = np.empty(rows.size, dtype=np.int64)
    n = 0
    for i in range(rows.size):
        j = rows[i]
        missed = math.exp(-report_response * reports[x[j], y[j]])
        if banked_case[j]:
            missed *= 1.0 - detection
        if draws[i] >= missed:
            found[n] = j
            n += 1
    executed = uniforms(stream, n)
    acted = np.empty(n, dtype=np.int64)
    k = 0
    for i in range(n):
        if not banked_case[found[i]] or executed[i] < follow_through:
            acted[k] = found[i]
            k += 1
    return acted[:k]


@kernel
def give_record(rows, record, wage, penalty):
    """A first conviction for each of ``rows``: a record, and legal earnings (``wage``) cut
    by ``penalty`` (in place)."""
    for j in rows:
        if not record[j]:
            wage[j] *= 1.0 - penalty
            record[j] = True


@kernel
def arrest_sellers(
    stream,
    rows,
    coordinated,
    day,
    state,
    timer,
    banked_case,
    credible_case,
    high_risk,
    record,
    wage,
    custody,
    sentence,
    x,
    y,
    arrests_on_cells,
    k,
):
    """Justice.arrest of each of ``rows`` in turn (in place): taken into custody until the
    disposition on day + 1 + Exponential(pretrial_days), the banked case used up, a record
    if it is the first (``give_record``); the disposition drawn now, custody with
    P(custody) (coordinated prosecution, an executed credible banked case: certain, else by
    risk class) and a prison term of max(1, mean x Gamma(4) / 4) days; the arrest marked on
    the grid. Per seller ``rng.exponential``, ``rng.random()``, ``rng.gamma`` from
    ``stream``, numpy's order. ``k``: pretrial_days, coordinated_custody_prob,
    coordinated_sentence_days, sentence_days, custody_prob_high, custody_prob_low,
    record_wage_penalty."""
    for i in range(rows.size):
        j = rows[i]
        if coordinated:
            p_custody, mean = k[1], k[2]
        elif banked_case[j] and credible_case[j]:
            p_custody, mean = 1.0, k[3]
        else:
            p_custody, mean = (k[4] if high_risk[j] else k[5]), k[3]
        state[j] = ARRESTED
        timer[j] = day + 1 + int(exponential(stream, k[0]))
        banked_case[j] = False
        give_record(rows[i : i + 1], record, wage, k[6])
        custody[j] = uniform(stream) < p_custody
        sentence[j] = max(1, int(mean * gamma(stream, 4.0, 1.0) / 4.0))
        arrests_on_cells[x[j], y[j]] += 1.0


@kernel
def young_people(stream, rows, columns, cleared, called_in_day, buys, state, homes, height, k):
    """Sellers._draw_young_people (in place): new members of the pool at ``rows``, drawn
    as numpy drew them, all of one draw before the next: risk class ``rng.random(m) <
    high_risk_share``; outside option typical_wage x exp(sigma z - sigma^2 / 2),
    ``z = rng.standard_normal(m)``; aversion ``rng.exponential(1.0, m)`` x aversion_mean
    (x high_risk_aversion_factor if high-risk); a home, ``rng.choice(homes, m)`` (numpy's
    ``integers``) as (x, y). No record, no case, the priors of someone who never dealt.
    ``columns``: high_risk, wage, aversion, perceived_risk, expected_profit, connections,
    x, y; ``cleared``: the flags set False (record, cases, ...). ``k``: high_risk_share,
    typical_wage, sigma, sigma^2 / 2, aversion_mean, high_risk_aversion_factor, the prior
    risk, the prior profit."""
    high_risk, wage, aversion, risk, profit, connections, x, y = columns
    m = rows.size
    high = uniforms(stream, m)
    z = standard_normals(stream, m)
    for i in range(m):
        high_risk[rows[i]] = high[i] < k[0]
    for i in range(m):
        wage[rows[i]] = k[1] * math.exp(k[2] * z[i] - k[3])
    for i in range(m):
        scale = k[4] * (k[5] if high_risk[rows[i]] else 1.0)
        aversion[rows[i]] = exponential(stream, 1.0) * scale
    home = integers(stream, 0, homes.size, m)
    for i in range(m):
        j = rows[i]
        risk[j], profit[j], connections[j] = k[6], k[7], 0.0
        for column in cleared:
            column[j] = False
        called_in_day[j], buys[j], state[j] = -1, 0, POOL
        x[j], y[j] = homes[home[i]] // height, homes[home[i]] % height


@kernel
def rows_drawn(state, in_states, stream, p):
    """Rows whose state is one of ``in_states`` (a table by state) and whose draw of
    ``rng.random(n)`` (from ``stream``) is below ``p``, in order:
    ``np.flatnonzero(in_states[state] & (rng.random(n) < p))``."""
    draws = uniforms(stream, state.size)
    rows = np.empty(state.size, dtype=np.int64)
    n = 0
    for i in range(state.size):
        if in_states[state[i]] and draws[i] < p:
            rows[n] = i
            n += 1
    return rows[:n]
