-- commerce_checkout_place, version 3: the order's breakdown, and its discount code's use.
-- Installed by orders/migrations/0008_checkout_function_breakdown.py, which runs this file as it is.
-- What the function does, and why it exists: 0002_checkout_function.sql (version 1); version 2
-- (0005) stamps the time of the call.
--
-- An order now costs its subtotal less a discount code, plus shipping and tax (issue 17). Those
-- figures are worked out once, in Python (commerce/orders/totals.py, checkout_breakdown), from
-- the cart as services._price read it without locks; they come in as p_priced (the lines and
-- prices they were worked out on, the cart's code, the order's figures, each line's share of the
-- discount and its tax, the tax lines, the code to take a use of; and the billing address, when
-- the shopper gave one apart from the shipping address). Under the cart's lock this
-- version checks that the cart still holds exactly those lines at those prices and that code;
-- if not it answers "changed", and the Python path (services._checkout_start) prices the cart
-- again under its lock and decides. Otherwise it writes the figures as given and takes the
-- code's use as discounts.services.discount_redeem does, after the order's rows and just before
-- the stock take (the lock order every writer keeps: a code's row before variants' rows): a
-- conditional UPDATE of the code's counter (refused: SQLSTATE SF003), the customer's uses counted
-- under that row lock (too many: SF002), then the redemption row; a refusal undoes everything.
-- Its answer names the code when this checkout took its last use ("code_spent"): the carts
-- holding it are told.
--
-- Its signature gained p_priced, so migration 0008 drops version 2 (a different function to
-- PostgreSQL) before this file creates version 3.
--
-- Never edited once released: a change is a new file and a short migration (see README.md).

CREATE OR REPLACE FUNCTION commerce_checkout_place(
    p_cart bigint, p_user bigint, p_email text, p_address jsonb, p_currency text,
    p_number text, p_hold_until timestamptz, p_note text, p_priced jsonb
) RETURNS text
LANGUAGE plpgsql
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
    v_ids bigint[];
    v_quantities integer[];
    v_order orders_order;
    v_short record;
    v_left integer;
    v_sold_out bigint[] := '{}';
    v_code bigint := (p_priced -> 'code' ->> 'id')::bigint;
    v_limit integer := (p_priced -> 'code' ->> 'per_customer_limit')::integer;
    v_email text := lower(btrim(p_email));
    v_code_spent boolean := false;  -- this checkout took the code's last use
    -- When the call began (not its transaction, which may be a caller's, begun long before).
    v_now timestamptz := statement_timestamp();
BEGIN
    -- Two checkouts of one cart run one after the other; each later statement sees what the
    -- holder of the lock committed.
    PERFORM 1 FROM cart_cart WHERE id = p_cart FOR UPDATE;
    IF EXISTS (SELECT 1 FROM orders_order WHERE cart_id = p_cart AND status = 'pending_payment') THEN
        RETURN '{"outcome": "stale"}';
    END IF;

    -- The lines, read once: every step below uses these.
    SELECT array_agg(l.variant_id ORDER BY l.variant_id), array_agg(l.quantity ORDER BY l.variant_id)
      INTO v_ids, v_quantities
      FROM cart_cartline l WHERE l.cart_id = p_cart;
    IF v_ids IS NULL THEN
        RETURN '{"outcome": "empty"}';
    END IF;

    -- Priced on these lines, at these prices, with this code? Otherwise the Python path prices
    -- the cart again under its lock, and decides.
    IF (SELECT discount_code FROM cart_cart WHERE id = p_cart) IS DISTINCT FROM p_priced ->> 'cart_code'
       OR cardinality(v_ids) <> jsonb_array_length(p_priced -> 'lines')
       OR EXISTS (
           SELECT 1 FROM unnest(v_ids, v_quantities) AS u(id, quantity)
             JOIN catalog_variant v ON v.id = u.id
             LEFT JOIN jsonb_to_recordset(p_priced -> 'lines') AS e(variant bigint, quantity integer, unit_price numeric)
               ON e.variant = u.id
            WHERE e.variant IS NULL OR e.quantity <> u.quantity OR e.unit_price <> v.price
       ) THEN
        RETURN '{"outcome": "changed"}';
    END IF;

    IF EXISTS (
        SELECT 1 FROM unnest(v_ids) AS u(id)
          JOIN catalog_variant v ON v.id = u.id JOIN catalog_product p ON p.id = v.product_id
         WHERE NOT (v.is_active AND p.is_published AND p.deleted_at IS NULL)
    ) THEN
        RETURN jsonb_build_object('outcome', 'unavailable', 'names', (
            SELECT jsonb_agg(p.name || ' — ' || v.name ORDER BY v.id)
              FROM unnest(v_ids) AS u(id)
              JOIN catalog_variant v ON v.id = u.id JOIN catalog_product p ON p.id = v.product_id
             WHERE NOT (v.is_active AND p.is_published AND p.deleted_at IS NULL)
        ))::text;
    END IF;

    -- Short already: refused before anything is written (the take below decides in the end).
    SELECT v.id, p.name || ' — ' || v.name AS name, u.quantity, v.stock INTO v_short
      FROM unnest(v_ids, v_quantities) AS u(id, quantity)
      JOIN catalog_variant v ON v.id = u.id JOIN catalog_product p ON p.id = v.product_id
     WHERE v.stock < u.quantity ORDER BY v.id LIMIT 1;
    IF FOUND THEN
        RETURN jsonb_build_object(
            'outcome', 'short', 'variant', v_short.id, 'name', v_short.name,
            'wanted', v_short.quantity, 'available', v_short.stock
        )::text;
    END IF;

    -- The code used up or withdrawn already: refused before anything is written, as a short line is
    -- (the UPDATE below decides in the end). In a rush for a code's last uses, the late buyers are
    -- told at once instead of queueing on its row.
    IF v_code IS NOT NULL AND NOT EXISTS (
        SELECT 1 FROM discounts_discountcode
         WHERE id = v_code AND is_active AND (usage_limit IS NULL OR times_used < usage_limit)
    ) THEN
        RETURN jsonb_build_object(
            'outcome', 'code_refused', 'code', p_priced -> 'code' -> 'code',
            'reason', CASE WHEN EXISTS (SELECT 1 FROM discounts_discountcode WHERE id = v_code AND is_active)
                           THEN 'used_up' ELSE 'unknown' END
        )::text;
    END IF;

    -- The order, its lines and its tax lines, with the figures as priced.
    WITH lines AS (
        SELECT v.id, u.quantity, v.price, v.name, v.sku, p.name AS product_name, u.n, e.discount, e.tax
          FROM unnest(v_ids, v_quantities) WITH ORDINALITY AS u(id, quantity, n)
          JOIN catalog_variant v ON v.id = u.id JOIN catalog_product p ON p.id = v.product_id
          JOIN jsonb_to_recordset(p_priced -> 'lines') AS e(variant bigint, discount numeric, tax numeric)
            ON e.variant = u.id
    ), placed AS (
        INSERT INTO orders_order (
            number, user_id, email, cart_id, status, shipping_address, billing_address, currency,
            subtotal, discount_total, discount_code, discount_label, shipping_total, shipping_method_name,
            tax_total, prices_include_tax, total, tracking_number, created_at, updated_at, paid_at
        )
        SELECT p_number, p_user, p_email, p_cart, 'pending_payment', p_address,
               NULLIF(p_priced -> 'billing_address', 'null'::jsonb), p_currency,
               f.subtotal, f.discount_total, f.discount_code, f.discount_label, f.shipping_total,
               f.shipping_method_name, f.tax_total, f.prices_include_tax, f.total, '', v_now, v_now, NULL
          FROM jsonb_to_record(p_priced -> 'order') AS f(
              subtotal numeric, discount_total numeric, discount_code text, discount_label text,
              shipping_total numeric, shipping_method_name text, tax_total numeric,
              prices_include_tax boolean, total numeric
          )
        RETURNING *
    ), order_lines AS (
        INSERT INTO orders_orderline (
            order_id, variant_id, product_name, variant_name, sku, unit_price, quantity, line_total,
            discount_total, tax_total
        )
        SELECT placed.id, lines.id, lines.product_name, lines.name, lines.sku, lines.price,
               lines.quantity, lines.price * lines.quantity, lines.discount, lines.tax
          FROM placed, lines ORDER BY lines.n
    ), tax_lines AS (
        INSERT INTO orders_ordertaxline (order_id, name, rate, base, amount)
        SELECT placed.id, t.line ->> 'name', (t.line ->> 'rate')::numeric, (t.line ->> 'base')::numeric,
               (t.line ->> 'amount')::numeric
          FROM placed, jsonb_array_elements(p_priced -> 'tax_lines') WITH ORDINALITY AS t(line, n)
         ORDER BY t.n
    )
    SELECT * INTO v_order FROM placed;

    INSERT INTO inventory_stockhold (order_id, expires_at, released_at, converted_at, created_at)
    VALUES (v_order.id, p_hold_until, NULL, NULL, v_now);
    INSERT INTO orders_orderevent (order_id, kind, from_status, to_status, actor_id, note, created_at)
    VALUES (v_order.id, 'placed', '', 'pending_payment', p_user, p_note, v_now);

    -- The code's use, taken like stock, just before the stock (a code's row is locked before the
    -- variants' everywhere), so that its row lock, held until commit, covers little. Refused
    -- (SQLSTATE SF003, used up or withdrawn meanwhile): everything above is undone.
    IF v_code IS NOT NULL THEN
        UPDATE discounts_discountcode SET times_used = times_used + 1
         WHERE id = v_code AND is_active AND (usage_limit IS NULL OR times_used < usage_limit)
        RETURNING usage_limit IS NOT NULL AND times_used >= usage_limit INTO v_code_spent;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'code refused' USING ERRCODE = 'SF003', DETAIL = jsonb_build_object(
                'code', p_priced -> 'code' -> 'code',
                'reason', CASE WHEN EXISTS (SELECT 1 FROM discounts_discountcode WHERE id = v_code AND is_active)
                               THEN 'used_up' ELSE 'unknown' END
            )::text;
        END IF;
        -- Counted under the code's row lock: a concurrent use by this customer has committed, or waits.
        IF v_limit IS NOT NULL AND (
            SELECT count(*) FROM discounts_discountredemption
             WHERE code_id = v_code AND released_at IS NULL
               AND (email = v_email OR (p_user IS NOT NULL AND user_id = p_user))
        ) >= v_limit THEN
            RAISE EXCEPTION 'code already used' USING ERRCODE = 'SF002', DETAIL = p_priced -> 'code' ->> 'code';
        END IF;
        INSERT INTO discounts_discountredemption (code_id, order_id, user_id, email, redeemed_at, released_at)
        VALUES (v_code, v_order.id, p_user, v_email, v_now, NULL);
    END IF;

    -- Last: the take, in variant order (as commerce.inventory.services.stock_take).
    FOR i IN 1 .. cardinality(v_ids) LOOP
        UPDATE catalog_variant SET stock = stock - v_quantities[i]
         WHERE id = v_ids[i] AND stock >= v_quantities[i] AND is_active
        RETURNING stock INTO v_left;
        IF NOT FOUND THEN
            SELECT v.id, p.name || ' — ' || v.name AS name, CASE WHEN v.is_active THEN v.stock ELSE 0 END AS stock
              INTO v_short
              FROM catalog_variant v JOIN catalog_product p ON p.id = v.product_id WHERE v.id = v_ids[i];
            RAISE EXCEPTION 'out of stock' USING ERRCODE = 'SF001', DETAIL = jsonb_build_object(
                'variant', v_ids[i], 'name', v_short.name, 'wanted', v_quantities[i], 'available', v_short.stock
            )::text;
        END IF;
        IF v_left = 0 THEN
            v_sold_out := v_sold_out || v_ids[i];
        END IF;
    END LOOP;

    RETURN jsonb_build_object(
        'outcome', 'placed', 'order', to_jsonb(v_order), 'taken', to_jsonb(v_ids), 'sold_out', to_jsonb(v_sold_out),
        'code_spent', CASE WHEN v_code_spent THEN p_priced -> 'code' -> 'code' END
    )::text;
END;
$$;

-- The cart's lines as the checkout prices them (services._price, before the call above), with what
-- decides a refusal before any pricing: a line withdrawn from sale or short of stock, an earlier
-- unpaid order of the cart (its code use and stock go back first). A function so that PostgreSQL
-- plans the statement once per connection, not on every checkout (on the hot path its planning
-- cost more than its run: tests/bench/NOTES.md).
CREATE OR REPLACE FUNCTION commerce_checkout_lines(p_cart bigint)
RETURNS TABLE (
    variant_id bigint, product_id bigint, category_id bigint, quantity integer, price numeric, weight integer,
    for_sale boolean, in_stock boolean, replaces_order boolean
)
LANGUAGE plpgsql STABLE
SET plan_cache_mode = force_generic_plan
AS $$
BEGIN
    RETURN QUERY
    SELECT l.variant_id, v.product_id, p.category_id, l.quantity, v.price, v.weight,
           v.is_active AND p.is_published AND p.deleted_at IS NULL, v.stock >= l.quantity,
           EXISTS (SELECT 1 FROM orders_order o WHERE o.cart_id = p_cart AND o.status = 'pending_payment')
      FROM cart_cartline l
      JOIN catalog_variant v ON v.id = l.variant_id
      JOIN catalog_product p ON p.id = v.product_id
     WHERE l.cart_id = p_cart
     ORDER BY l.variant_id;
END;
$$;
