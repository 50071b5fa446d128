//! The catalog queries of introspection: a fixed set, whatever the number of objects.
//!
//! Each query takes `$1`, the schemas to read (`NULL` for all but the system ones), and runs
//! with an empty `search_path`, so every name and type the server prints is schema-qualified.

/// Which schemas a query reads; `n` is the `pg_namespace` alias.
macro_rules! in_schemas {
    () => {
        " n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\\_%' \
          AND ($1::text[] IS NULL OR n.nspname = ANY($1)) "
    };
}

/// Objects created by an extension belong to it, not to the schema.
macro_rules! not_extension_member {
    ($class:literal, $oid:literal) => {
        concat!(
            " NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend x WHERE x.classid = '",
            $class,
            "'::regclass AND x.objid = ",
            $oid,
            " AND x.deptype = 'e') "
        )
    };
}

/// Every query with the name introspection reports it under, in the order they run.
pub const ALL: [(&str, &str); 13] = [
    ("schemas", SCHEMAS),
    ("extensions", EXTENSIONS),
    ("types", TYPES),
    ("domain checks", DOMAIN_CHECKS),
    ("sequences", SEQUENCES),
    ("functions", FUNCTIONS),
    ("relations", RELATIONS),
    ("columns", COLUMNS),
    ("constraints", CONSTRAINTS),
    ("indexes", INDEXES),
    ("triggers", TRIGGERS),
    ("policies", POLICIES),
    ("view dependencies", VIEW_DEPENDENCIES),
];

pub(crate) const SCHEMAS: &str = concat!(
    "SELECT n.nspname::text, pg_catalog.obj_description(n.oid, 'pg_namespace') \
     FROM pg_catalog.pg_namespace n WHERE",
    in_schemas!(),
    "AND",
    not_extension_member!("pg_namespace", "n.oid"),
    "ORDER BY 1"
);

pub(crate) const EXTENSIONS: &str = concat!(
    "SELECT e.extname::text, n.nspname::text \
     FROM pg_catalog.pg_extension e JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace \
     WHERE e.extname <> 'plpgsql' AND",
    in_schemas!(),
    "ORDER BY 1"
);

/// Enums, domains and composite types.
pub(crate) const TYPES: &str = concat!(
    "SELECT n.nspname::text, t.typname::text, t.typtype::text, \
            pg_catalog.obj_description(t.oid, 'pg_type'), \
            ARRAY(SELECT e.enumlabel::text FROM pg_catalog.pg_enum e WHERE e.enumtypid = t.oid ORDER BY e.enumsortorder), \
            CASE WHEN t.typtype = 'd' THEN pg_catalog.format_type(t.typbasetype, t.typtypmod) END, \
            t.typnotnull, t.typdefault, \
            (SELECT pg_catalog.quote_ident(cn.nspname) || '.' || pg_catalog.quote_ident(co.collname) \
               FROM pg_catalog.pg_collation co JOIN pg_catalog.pg_namespace cn ON cn.oid = co.collnamespace \
              WHERE co.oid = t.typcollation AND t.typtype = 'd' \
                AND t.typcollation <> (SELECT b.typcollation FROM pg_catalog.pg_type b WHERE b.oid = t.typbasetype)) \
     FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace \
     WHERE (t.typtype IN ('e', 'd') OR (t.typtype = 'c' AND \
            (SELECT c.relkind FROM pg_catalog.pg_class c WHERE c.oid = t.typrelid) = 'c')) AND",
    in_schemas!(),
    "AND",
    not_extension_member!("pg_type", "t.oid"),
    "ORDER BY 1, 2"
);

pub(crate) const DOMAIN_CHECKS: &str = concat!(
    "SELECT n.nspname::text, t.typname::text, con.conname::text, pg_catalog.pg_get_constraintdef(con.oid) \
     FROM pg_catalog.pg_constraint con JOIN pg_catalog.pg_type t ON t.oid = con.contypid \
     JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace WHERE con.contype = 'c' AND",
    in_schemas!(),
    "ORDER BY 1, 2, 3"
);

/// Sequences other than the hidden ones behind identity columns.
pub(crate) const SEQUENCES: &str = concat!(
    "SELECT n.nspname::text, c.relname::text, pg_catalog.format_type(s.seqtypid, NULL), \
            s.seqstart, s.seqincrement, s.seqmin, s.seqmax, s.seqcache, s.seqcycle, \
            own.nspname::text, own.relname::text, own.attname::text, \
            pg_catalog.obj_description(c.oid, 'pg_class') \
     FROM pg_catalog.pg_sequence s JOIN pg_catalog.pg_class c ON c.oid = s.seqrelid \
     JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
     LEFT JOIN LATERAL ( \
         SELECT tn.nspname, tc.relname, a.attname FROM pg_catalog.pg_depend d \
         JOIN pg_catalog.pg_class tc ON tc.oid = d.refobjid \
         JOIN pg_catalog.pg_namespace tn ON tn.oid = tc.relnamespace \
         JOIN pg_catalog.pg_attribute a ON a.attrelid = tc.oid AND a.attnum = d.refobjsubid \
         WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid \
           AND d.refclassid = 'pg_class'::regclass AND d.deptype = 'a' LIMIT 1) own ON true \
     WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d WHERE d.classid = 'pg_class'::regclass \
                         AND d.objid = c.oid AND d.deptype = 'i') AND",
    in_schemas!(),
    "AND",
    not_extension_member!("pg_class", "c.oid"),
    "ORDER BY 1, 2"
);

pub(crate) const FUNCTIONS: &str = concat!(
    "SELECT n.nspname::text, p.proname::text, pg_catalog.pg_get_function_identity_arguments(p.oid), \
            p.prokind::text, COALESCE(pg_catalog.pg_get_function_result(p.oid), ''), \
            pg_catalog.pg_get_functiondef(p.oid), pg_catalog.obj_description(p.oid, 'pg_proc') \
     FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace \
     WHERE p.prokind IN ('f', 'p') AND",
    in_schemas!(),
    "AND",
    not_extension_member!("pg_proc", "p.oid"),
    "ORDER BY 1, 2, 3"
);

/// Tables, partitions, views and materialized views.
pub(crate) const RELATIONS: &str = concat!(
    "SELECT n.nspname::text, c.relname::text, c.relkind::text, c.relpersistence::text, \
            c.relrowsecurity, c.relforcerowsecurity, d.description, \
            CASE WHEN c.relkind = 'p' THEN pg_catalog.pg_get_partkeydef(c.oid) END, \
            CASE WHEN c.relispartition THEN pg_catalog.pg_get_expr(c.relpartbound, c.oid) END, \
            ARRAY(SELECT pn.nspname::text FROM pg_catalog.pg_inherits i \
                  JOIN pg_catalog.pg_class pc ON pc.oid = i.inhparent \
                  JOIN pg_catalog.pg_namespace pn ON pn.oid = pc.relnamespace \
                  WHERE i.inhrelid = c.oid ORDER BY i.inhseqno), \
            ARRAY(SELECT pc.relname::text FROM pg_catalog.pg_inherits i \
                  JOIN pg_catalog.pg_class pc ON pc.oid = i.inhparent \
                  WHERE i.inhrelid = c.oid ORDER BY i.inhseqno), \
            CASE WHEN c.relkind IN ('v', 'm') THEN pg_catalog.pg_get_viewdef(c.oid) END, \
            COALESCE(c.reloptions::text[], '{}') \
     FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
     LEFT JOIN pg_catalog.pg_description d ON d.objoid = c.oid \
          AND d.classoid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objsubid = 0 \
     WHERE c.relkind IN ('r', 'p', 'v', 'm') AND",
    in_schemas!(),
    "AND",
    not_extension_member!("pg_class", "c.oid")
);

/// Columns of tables, views and composite types, in their physical order.
pub(crate) const COLUMNS: &str = concat!(
    "SELECT n.nspname::text, c.relname::text, a.attname::text, \
            pg_catalog.format_type(a.atttypid, a.atttypmod), a.attnotnull, \
            CASE WHEN a.attgenerated = '' THEN pg_catalog.pg_get_expr(ad.adbin, 0) ELSE pg_catalog.pg_get_expr(ad.adbin, ad.adrelid) END, a.attidentity::text, a.attgenerated::text, \
            CASE WHEN co.oid IS NOT NULL \
                 THEN pg_catalog.quote_ident(cn.nspname) || '.' || pg_catalog.quote_ident(co.collname) END, \
            d.description, a.attislocal, \
            pg_catalog.format_type(s.seqtypid, NULL), s.seqstart, s.seqincrement, s.seqmin, s.seqmax, \
            s.seqcache, s.seqcycle \
     FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class c ON c.oid = a.attrelid \
     JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
     JOIN pg_catalog.pg_type t ON t.oid = a.atttypid \
     LEFT JOIN pg_catalog.pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum \
     LEFT JOIN pg_catalog.pg_collation co ON co.oid = a.attcollation AND a.attcollation <> t.typcollation \
     LEFT JOIN pg_catalog.pg_namespace cn ON cn.oid = co.collnamespace \
     LEFT JOIN pg_catalog.pg_description d ON d.objoid = c.oid \
          AND d.classoid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objsubid = a.attnum \
     LEFT JOIN LATERAL (SELECT sd.objid FROM pg_catalog.pg_depend sd \
          WHERE a.attidentity <> '' AND sd.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass \
            AND sd.refobjid = c.oid AND sd.refobjsubid = a.attnum \
            AND sd.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND sd.deptype = 'i' LIMIT 1) idseq ON true \
     LEFT JOIN pg_catalog.pg_sequence s ON s.seqrelid = idseq.objid \
     WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p', 'v', 'm', 'c') AND",
    in_schemas!(),
    "AND",
    not_extension_member!("pg_class", "c.oid"),
    "ORDER BY a.attrelid, a.attnum"
);

/// Table constraints that are the table's own (not inherited from a parent).
pub(crate) const CONSTRAINTS: &str = concat!(
    "SELECT n.nspname::text, c.relname::text, con.conname::text, con.contype::text, \
            pg_catalog.pg_get_constraintdef(con.oid), rn.nspname::text, rc.relname::text, \
            d.description \
     FROM pg_catalog.pg_constraint con JOIN pg_catalog.pg_class c ON c.oid = con.conrelid \
     LEFT JOIN pg_catalog.pg_description d ON d.objoid = con.oid \
          AND d.classoid = 'pg_catalog.pg_constraint'::pg_catalog.regclass AND d.objsubid = 0 \
     JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
     LEFT JOIN pg_catalog.pg_class rc ON rc.oid = con.confrelid \
     LEFT JOIN pg_catalog.pg_namespace rn ON rn.oid = rc.relnamespace \
     WHERE con.contype IN ('p', 'u', 'c', 'x', 'f') AND con.conislocal AND con.conparentid = 0 AND",
    in_schemas!()
);

/// An index's `CREATE INDEX` statement, the text `pg_get_indexdef` returns, assembled from
/// the catalog for plain btree indexes on columns (each `pg_get_indexdef` call looks the index,
/// its table, columns and operator classes up one by one, which dominates a cold read of a
/// large schema); anything else (expressions, operator classes or collations that are not the
/// default, storage options, other methods, partitioned tables) asks `pg_get_indexdef`.
/// Expects `i` (pg_index), `ic` (the index's pg_class), `c` and `n` (its table and schema).
/// `tests/common/roundtrip.rs` checks that both agree on every fixture and corpus case.
#[macro_export]
#[doc(hidden)]
macro_rules! index_definition {
    () => {
        "CASE WHEN i.indexprs IS NULL AND ic.reloptions IS NULL AND c.relkind IN ('r', 'm') \
              AND ic.relam = 403 /* btree */ \
              AND NOT EXISTS ( \
                  SELECT 1 FROM unnest(i.indclass::pg_catalog.oid[], i.indcollation::pg_catalog.oid[], \
                                       i.indkey::pg_catalog.int2[]) AS k(opclass, coll, attnum) \
                  JOIN pg_catalog.pg_opclass oc ON oc.oid = k.opclass \
                  JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum \
                  WHERE NOT oc.opcdefault OR (k.coll <> 0 AND k.coll <> a.attcollation)) \
         THEN 'CREATE ' || CASE WHEN i.indisunique THEN 'UNIQUE ' ELSE '' END || 'INDEX ' \
              || pg_catalog.quote_ident(ic.relname) || ' ON ' || pg_catalog.quote_ident(n.nspname) \
              || '.' || pg_catalog.quote_ident(c.relname) || ' USING btree (' \
              || (SELECT pg_catalog.string_agg(pg_catalog.quote_ident(a.attname) \
                     || CASE WHEN k.ord > i.indnkeyatts THEN '' \
                             WHEN (i.indoption[k.ord - 1] & 1) = 1 \
                             THEN ' DESC' || CASE WHEN (i.indoption[k.ord - 1] & 2) = 0 THEN ' NULLS LAST' ELSE '' END \
                             WHEN (i.indoption[k.ord - 1] & 2) = 2 THEN ' NULLS FIRST' ELSE '' END, \
                     CASE WHEN k.ord = i.indnkeyatts + 1 THEN ') INCLUDE (' ELSE ', ' END ORDER BY k.ord) \
                  FROM unnest(i.indkey::pg_catalog.int2[]) WITH ORDINALITY AS k(attnum, ord) \
                  JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum) \
              || ')' || CASE WHEN i.indnullsnotdistinct THEN ' NULLS NOT DISTINCT' ELSE '' END \
              || CASE WHEN i.indpred IS NOT NULL \
                      THEN ' WHERE ' || pg_catalog.pg_get_expr(i.indpred, i.indrelid) ELSE '' END \
         ELSE pg_catalog.pg_get_indexdef(i.indexrelid) END"
    };
}

/// Indexes that do not back a constraint and are not a partition's copy of a parent's index.
pub(crate) const INDEXES: &str = concat!(
    "SELECT n.nspname::text, c.relname::text, ic.relname::text, ",
    index_definition!(),
    ", d.description \
     FROM pg_catalog.pg_index i JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid \
     LEFT JOIN pg_catalog.pg_description d ON d.objoid = i.indexrelid \
          AND d.classoid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objsubid = 0 \
     JOIN pg_catalog.pg_class c ON c.oid = i.indrelid \
     JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
     WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint con WHERE con.conindid = i.indexrelid \
                         AND con.conrelid = i.indrelid AND con.contype IN ('p', 'u', 'x')) \
       AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_inherits h WHERE h.inhrelid = i.indexrelid) AND",
    in_schemas!(),
    "AND",
    not_extension_member!("pg_class", "ic.oid")
);

/// User triggers, not those a constraint or a parent table created.
pub(crate) const TRIGGERS: &str = concat!(
    "SELECT n.nspname::text, c.relname::text, t.tgname::text, pg_catalog.pg_get_triggerdef(t.oid), \
            t.tgenabled::text, pg_catalog.obj_description(t.oid, 'pg_trigger') \
     FROM pg_catalog.pg_trigger t JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid \
     JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
     WHERE NOT t.tgisinternal AND t.tgparentid = 0 AND",
    in_schemas!(),
    "ORDER BY 1, 2, 3"
);

pub(crate) const POLICIES: &str = concat!(
    "SELECT n.nspname::text, c.relname::text, p.polname::text, p.polpermissive, \
            CASE p.polcmd WHEN 'r' THEN 'SELECT' WHEN 'a' THEN 'INSERT' WHEN 'w' THEN 'UPDATE' \
                          WHEN 'd' THEN 'DELETE' ELSE 'ALL' END, \
            ARRAY(SELECT CASE WHEN r = 0 THEN 'public' ELSE pg_catalog.quote_ident(pg_catalog.pg_get_userbyid(r)) END \
                  FROM unnest(p.polroles) r ORDER BY 1), \
            pg_catalog.pg_get_expr(p.polqual, p.polrelid), pg_catalog.pg_get_expr(p.polwithcheck, p.polrelid), \
            pg_catalog.obj_description(p.oid, 'pg_policy') \
     FROM pg_catalog.pg_policy p JOIN pg_catalog.pg_class c ON c.oid = p.polrelid \
     JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE",
    in_schemas!(),
    "ORDER BY 1, 2, 3"
);

/// What each view reads: relations and types, from the view's rewrite rule.
pub(crate) const VIEW_DEPENDENCIES: &str = concat!(
    "SELECT DISTINCT n.nspname::text, v.relname::text, \
            COALESCE(rn.nspname, tn.nspname)::text, COALESCE(r.relname, t.typname)::text \
     FROM pg_catalog.pg_rewrite rw JOIN pg_catalog.pg_class v ON v.oid = rw.ev_class \
     JOIN pg_catalog.pg_namespace n ON n.oid = v.relnamespace \
     JOIN pg_catalog.pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = rw.oid \
     LEFT JOIN pg_catalog.pg_class r ON d.refclassid = 'pg_class'::regclass AND r.oid = d.refobjid \
     LEFT JOIN pg_catalog.pg_namespace rn ON rn.oid = r.relnamespace \
     LEFT JOIN pg_catalog.pg_type t ON d.refclassid = 'pg_type'::regclass AND t.oid = d.refobjid \
     LEFT JOIN pg_catalog.pg_namespace tn ON tn.oid = t.typnamespace \
     WHERE v.relkind IN ('v', 'm') AND d.refobjid <> v.oid AND (r.oid IS NOT NULL OR t.oid IS NOT NULL) \
       AND COALESCE(rn.nspname, tn.nspname) NOT IN ('pg_catalog', 'information_schema') AND",
    in_schemas!(),
    "ORDER BY 1, 2, 3, 4"
);
