-- commerce_checkout_place: a checkout in one database call (PostgreSQL only).
-- Installed by orders/migrations/0002_checkout_function.py, which runs this file as it is.
--
-- A sell-out sends hundreds of buyers through checkout at once. Under one interpreter what limits
-- the rate is the Python and the waits each statement costs (about ten statements per checkout),
-- and the variant's row lock is held until the Python holding it gets to send COMMIT (see
-- BENCHMARKS.md, section 3). This function does what commerce.orders.services._checkout_start
-- does for a cart without an earlier unpaid order, in one statement: called outside a
-- transaction it commits as it returns, so the lock a take holds covers the take and the commit.
--
-- It returns a JSON object (as text; decimals stay exact) whose outcome is:
-- - stale: the cart has an order awaiting payment; nothing was done (the Python path replaces it);
-- - empty, unavailable (with names), short (with variant, name, wanted, available): nothing was done;
-- - placed: with order (the new orders_order row), taken (variant ids) and sold_out (those the
--   take left at 0).
-- A take that finds too little stock (a concurrent buyer got there first) raises SQLSTATE SF001
-- with the same details as short in DETAIL, so the whole call rolls back.
--
-- This file is what databases already ran: never edit it. A change is a new file (named for the
-- migration that installs it) and a short migration; see commerce/orders/sql/README.md.

CREATE OR REPLACE FUNCTION commerce_checkout_place(
    p_cart bigint, p_user bigint, p_email text, p_address jsonb, p_currency text,
    p_number text, p_hold_until timestamptz, p_note text
) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    v_ids bigint[];
    v_quantities integer[];
    v_order orders_order;
    v_short record;
    v_left integer;
    v_sold_out bigint[] := '{}';
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
               sum(price * quantity), 0, sum(price * quantity), '', now(), now(), NULL
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
    VALUES (v_order.id, p_hold_until, NULL, NULL, now());
    INSERT INTO orders_orderevent (order_id, kind, from_status, to_status, actor_id, note, created_at)
    VALUES (v_order.id, 'placed', '', 'pending_payment', p_user, p_note, now());

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
