-- scripts/sample.sql: the sample tables scripts/run.sh loads, after the
-- DynamoDB getting-started tutorial: `users` (partition key user_id) and
-- `orders` (partition key customer_id, sort key order_date). Each table is
-- created and filled only if it does not exist yet, so running this again
-- changes nothing.

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM ddb.tables WHERE table_name = 'users') THEN
        PERFORM ddb.create_table('users', partition_key => 'user_id');
        PERFORM ddb.put('users', item) FROM jsonb_array_elements($items$[
            {"user_id": "u1", "name": "Alice Johnson", "email": "alice@example.com",
             "age": 28, "balance": 1523.75, "active": true,
             "address": {"street": "12 Harbour Rd", "city": "Seattle", "zip": "98101", "country": "US"},
             "tags": ["premium", "early-adopter"], "signup_date": "2023-02-14"},
            {"user_id": "u2", "name": "Bob Smith", "email": "bob.smith@example.com",
             "age": 35, "balance": 89.5, "active": true,
             "address": {"street": "400 Elm St", "city": "Portland", "zip": "97205", "country": "US"},
             "tags": ["newsletter"], "signup_date": "2023-06-01"},
            {"user_id": "u3", "name": "Chloé Martin", "email": "chloe.martin@example.fr",
             "age": 42, "balance": 12040.00, "active": true,
             "address": {"street": "8 rue des Lilas", "city": "Lyon", "zip": "69003", "country": "FR"},
             "tags": ["premium", "wholesale", "newsletter"], "signup_date": "2022-11-20"},
            {"user_id": "u4", "name": "Dmitri Ivanov", "email": "dmitri@example.org",
             "age": 23, "balance": 0, "active": false,
             "address": {"street": "77 King St W", "city": "Toronto", "zip": "M5K 1A1", "country": "CA"},
             "tags": [], "signup_date": "2024-01-09", "phone": null},
            {"user_id": "u5", "name": "Emma Okafor", "email": "emma.okafor@example.com",
             "age": 31, "balance": 310.25, "active": true,
             "address": {"street": "5 Marina Blvd", "city": "Lagos", "zip": "101241", "country": "NG"},
             "tags": ["early-adopter"], "signup_date": "2023-09-30", "phone": "+234 801 234 5678"}
        ]$items$::jsonb) AS item;
    END IF;

    IF NOT EXISTS (SELECT 1 FROM ddb.tables WHERE table_name = 'orders') THEN
        PERFORM ddb.create_table('orders', partition_key => 'customer_id', sort_key => 'order_date');
        PERFORM ddb.put('orders', item) FROM jsonb_array_elements($items$[
            {"customer_id": "u1", "order_date": "2024-03-02T09:15:00Z", "order_id": "o-1001",
             "status": "DELIVERED", "total": 59.97, "currency": "USD",
             "items": [{"sku": "BK-101", "title": "DynamoDB Book", "qty": 1, "price": 39.99},
                       {"sku": "MG-7", "title": "Coffee mug", "qty": 2, "price": 9.99}],
             "shipping": {"method": "standard", "address": {"city": "Seattle", "zip": "98101"}}},
            {"customer_id": "u1", "order_date": "2024-04-18T17:42:10Z", "order_id": "o-1017",
             "status": "SHIPPED", "total": 249.00, "currency": "USD",
             "items": [{"sku": "KB-55", "title": "Mechanical keyboard", "qty": 1, "price": 249.00}],
             "shipping": {"method": "express", "address": {"city": "Seattle", "zip": "98101"}}},
            {"customer_id": "u1", "order_date": "2024-05-07T08:03:55Z", "order_id": "o-1042",
             "status": "PENDING", "total": 12.5, "currency": "USD",
             "items": [{"sku": "ST-3", "title": "Sticker pack", "qty": 5, "price": 2.5}],
             "gift": true},
            {"customer_id": "u2", "order_date": "2024-02-11T13:20:00Z", "order_id": "o-0988",
             "status": "DELIVERED", "total": 89.5, "currency": "USD",
             "items": [{"sku": "HD-2", "title": "Headphones", "qty": 1, "price": 89.5}],
             "shipping": {"method": "standard", "address": {"city": "Portland", "zip": "97205"}}},
            {"customer_id": "u2", "order_date": "2024-04-30T21:05:31Z", "order_id": "o-1035",
             "status": "CANCELLED", "total": 15.98, "currency": "USD",
             "items": [{"sku": "CB-1", "title": "USB-C cable", "qty": 2, "price": 7.99}],
             "cancel_reason": "ordered twice"},
            {"customer_id": "u3", "order_date": "2024-01-22T10:00:00Z", "order_id": "o-0950",
             "status": "DELIVERED", "total": 1180.40, "currency": "EUR",
             "items": [{"sku": "CH-9", "title": "Office chair", "qty": 4, "price": 295.10}],
             "shipping": {"method": "freight", "address": {"city": "Lyon", "zip": "69003"}}},
            {"customer_id": "u3", "order_date": "2024-03-15T16:30:12Z", "order_id": "o-1008",
             "status": "DELIVERED", "total": 74.85, "currency": "EUR",
             "items": [{"sku": "PN-4", "title": "Fountain pen", "qty": 3, "price": 24.95}],
             "shipping": {"method": "standard", "address": {"city": "Lyon", "zip": "69003"}}},
            {"customer_id": "u3", "order_date": "2024-05-20T11:11:11Z", "order_id": "o-1060",
             "status": "PROCESSING", "total": 3999.99, "currency": "EUR",
             "items": [{"sku": "LP-16", "title": "Laptop 16in", "qty": 1, "price": 3999.99}],
             "shipping": {"method": "express", "address": {"city": "Lyon", "zip": "69003"}},
             "notes": ["call before delivery", "leave at reception"]}
        ]$items$::jsonb) AS item;
    END IF;
END
$$;
