-- commerce_checkout_place, version 2: stamps the time of the call.
-- Installed by orders/migrations/0005_checkout_function_call_time.py, which runs this file as it is.
-- What the function does, and why it exists: 0002_checkout_function.sql (version 1).
--
-- Version 1 stamped the order, its hold and its event with now(): the start of the transaction,
-- which is the call's own when the store calls it (outside a transaction), but a caller's, begun
-- any time before, when it is called inside one; the Python path stamps the time of each write.
-- This version stamps statement_timestamp(), the start of the call, in both cases (the same
-- value as before for the store's own calls). It also carries its plan_cache_mode setting itself,
-- which version 1 got from migration 0003 (a replace drops the old function's settings).
--
-- Never edited once released: a change is a new file and a short migration (see README.md).

CREATE OR REPLACE FUNCTION commerce_checkout_place(
    p_cart bigint, p_user bigint, p_email text, p_address jsonb, p_currency text,
    p_number text, p_hold_until timestamptz, p_note text
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

    -- The order and its lines from one read of the variants, so the total is the lines' sum.
    WITH lines AS (
        SELECT v.id, u.quantity, v.price, v.name, v.sku, p.name AS product_name, u.n
          FROM unnest(v_ids, v_quantities) WITH ORDINALITY AS u(id, quantity, n)
          JOIN catalog_variant v ON v.id = u.id JOIN catalog_product p ON p.id = v.product_id
    ), placed AS (
        INSERT INTO orders_order (
            number, user_id, email, cart_id, status, shipping_address, currency,
            subtotal, shipping_total, total, tracking_number, created_at, updated_at, paid_at
        )
        SELECT p_number, p_user, p_email, p_cart, 'pending_payment', p_address, p_currency,
               sum(price * quantity), 0, sum(price * quantity), '', v_now, v_now, NULL
          FROM lines
        RETURNING *
    ), order_lines AS (
        INSERT INTO orders_orderline (
            order_id, variant_id, product_name, variant_name, sku, unit_price, quantity, line_total
        )
        SELECT placed.id, lines.id, lines.product_name, lines.name, lines.sku, lines.price,
               lines.quantity, lines.price * lines.quantity
          FROM placed, lines ORDER BY lines.n
    )
    SELECT * INTO v_order FROM placed;

    INSERT INTO inventory_stockhold (order_id, expires_at, released_at, converted_at, created_at)
    VALUES (v_order.id, p_hold_until, NULL, NULL, v_now);
    INSERT INTO orders_orderevent (order_id, kind, from_status, to_status, actor_id, note, created_at)
    VALUES (v_order.id, 'placed', '', 'pending_payment', p_user, p_note, v_now);

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
        'outcome', 'placed', 'order', to_jsonb(v_order), 'taken', to_jsonb(v_ids), 'sold_out', to_jsonb(v_sold_out)
    )::text;
END;
$$;
