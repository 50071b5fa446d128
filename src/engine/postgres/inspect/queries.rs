//! The catalog queries of introspection: a fixed set, whatever the number of objects.
//!
//! A query that names `$1` takes the schemas to read (`NULL` for all but the system ones); all run
//! with an empty `search_path`, so every name and type the server prints is schema-qualified.
//!
//! The queries read catalog rows as they are, keyed by object id, and leave the joining to
//! [`inspect`](super::inspect): a server spends most of a cold read of a large schema on
//! joins, sorts and per-object deparsing (each `pg_get_constraintdef` or `pg_get_indexdef`
//! call looks its object's columns up one by one), so the server deparses only what cannot
//! be written from the rows (index expressions, views, uncommon checks), and
//! `deparse` writes keys, foreign keys and plain indexes exactly as the
//! server would. Checks, index predicates and defaults come as node trees, which
//! [`node_tree`](super::node_tree) writes where it can. Comments and extension membership are read once for every kind of object.

/// Every query with the name introspection reports it under, in the order they run.
pub const ALL: [(&str, &str); 20] = [
    ("server", super::expression_queries::SERVER),
    ("extension members", EXTENSION_MEMBERS),
    ("comments", COMMENTS),
    ("schemas", SCHEMAS),
    ("extensions", EXTENSIONS),
    ("types", TYPES),
    ("domain checks", DOMAIN_CHECKS),
    ("sequences", SEQUENCES),
    ("functions", FUNCTIONS),
    ("relations", RELATIONS),
    ("inheritance", INHERITANCE),
    ("type collations", TYPE_COLLATIONS),
    ("columns", COLUMNS),
    ("constraints", CONSTRAINTS),
    ("indexes", INDEXES),
    ("triggers", TRIGGERS),
    ("policies", POLICIES),
    ("view dependencies", VIEW_DEPENDENCIES),
    ("privileges", PRIVILEGES),
    ("default privileges", DEFAULT_PRIVILEGES),
];

/// Objects that belong to an extension (its own, not the schema's): class and object id.
pub(crate) const EXTENSION_MEMBERS: &str = "SELECT d.classid::int8, d.objid::int8 \
     FROM pg_catalog.pg_extension e JOIN pg_catalog.pg_depend d \
          ON d.refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass AND d.refobjid = e.oid \
     WHERE d.deptype = 'e'";

/// Comments on user objects (ids from 16384 on; the system's own are below): class, object,
/// sub-object (a column number) and text.
pub(crate) const COMMENTS: &str =
    "SELECT d.classoid::int8, d.objoid::int8, d.objsubid, d.description \
     FROM pg_catalog.pg_description d \
     WHERE d.objoid >= 16384";

pub(crate) const SCHEMAS: &str = concat!(
    "SELECT n.oid::int8, n.nspname::text, pg_catalog.obj_description(n.oid, 'pg_namespace') \
     FROM pg_catalog.pg_namespace n WHERE",
    in_schemas!()
);

pub(crate) const EXTENSIONS: &str = concat!(
    "SELECT e.extname::text, n.nspname::text \
     FROM pg_catalog.pg_extension e JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace \
     WHERE e.extname <> 'plpgsql' AND",
    in_schemas!()
);

/// Enums, domains and composite types (with the relation that holds a composite's attributes).
pub(crate) const TYPES: &str = concat!(
    "SELECT t.oid::int8, n.nspname::text, t.typname::text, t.typtype::text, t.typrelid::int8, \
            CASE WHEN t.typtype = 'e' THEN ARRAY(SELECT e.enumlabel::text FROM pg_catalog.pg_enum e \
                                                 WHERE e.enumtypid = t.oid ORDER BY e.enumsortorder) END, \
            CASE WHEN t.typtype = 'd' THEN pg_catalog.format_type(t.typbasetype, t.typtypmod) END, \
            t.typnotnull, t.typdefault, \
            CASE WHEN t.typtype = 'd' THEN \
                (SELECT pg_catalog.quote_ident(cn.nspname) || '.' || pg_catalog.quote_ident(co.collname) \
                   FROM pg_catalog.pg_collation co JOIN pg_catalog.pg_namespace cn ON cn.oid = co.collnamespace \
                  WHERE co.oid = t.typcollation \
                    AND t.typcollation <> (SELECT b.typcollation FROM pg_catalog.pg_type b WHERE b.oid = t.typbasetype)) END, \
            CASE WHEN t.typtype = 'e' THEN ARRAY(SELECT e.oid::int8 FROM pg_catalog.pg_enum e \
                                                 WHERE e.enumtypid = t.oid ORDER BY e.enumsortorder) END \
     FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace \
     LEFT JOIN pg_catalog.pg_class tc ON tc.oid = t.typrelid \
     WHERE (t.typtype IN ('e', 'd') OR (t.typtype = 'c' AND tc.relkind = 'c')) AND",
    in_schemas!()
);

pub(crate) const DOMAIN_CHECKS: &str = concat!(
    "SELECT n.nspname::text, t.typname::text, con.conname::text, \
            pg_catalog.pg_get_expr(con.conbin, 0), con.convalidated \
     FROM pg_catalog.pg_constraint con JOIN pg_catalog.pg_type t ON t.oid = con.contypid \
     JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace WHERE con.contype = 'c' AND",
    in_schemas!()
);

/// Sequences with what owns them: `a` (`OWNED BY` a column, named here) or `i` (the hidden
/// sequence of an identity column, whose options become the column's).
pub(crate) const SEQUENCES: &str = concat!(
    "SELECT c.oid::int8, n.nspname::text, c.relname::text, pg_catalog.format_type(s.seqtypid, NULL), \
            s.seqstart, s.seqincrement, s.seqmin, s.seqmax, s.seqcache, s.seqcycle, \
            d.deptype::text, d.refobjid::int8, d.refobjsubid, \
            CASE WHEN d.deptype = 'a' THEN \
                (SELECT tn.nspname::text FROM pg_catalog.pg_class tc \
                   JOIN pg_catalog.pg_namespace tn ON tn.oid = tc.relnamespace WHERE tc.oid = d.refobjid) END, \
            CASE WHEN d.deptype = 'a' THEN \
                (SELECT tc.relname::text FROM pg_catalog.pg_class tc WHERE tc.oid = d.refobjid) END, \
            CASE WHEN d.deptype = 'a' THEN \
                (SELECT a.attname::text FROM pg_catalog.pg_attribute a \
                  WHERE a.attrelid = d.refobjid AND a.attnum = d.refobjsubid) END \
     FROM pg_catalog.pg_sequence s JOIN pg_catalog.pg_class c ON c.oid = s.seqrelid \
     JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
     LEFT JOIN LATERAL ( \
         SELECT d.deptype, d.refobjid, d.refobjsubid FROM pg_catalog.pg_depend d \
          WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objid = s.seqrelid \
            AND d.objsubid = 0 AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass \
            AND d.deptype IN ('a', 'i') LIMIT 1) d ON true \
     WHERE",
    in_schemas!()
);

pub(crate) const FUNCTIONS: &str = concat!(
    "SELECT p.oid::int8, n.nspname::text, p.proname::text, pg_catalog.pg_get_function_identity_arguments(p.oid), \
            p.prokind::text, COALESCE(pg_catalog.pg_get_function_result(p.oid), ''), \
            pg_catalog.pg_get_functiondef(p.oid), l.lanname::text \
     FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace \
     JOIN pg_catalog.pg_language l ON l.oid = p.prolang \
     WHERE p.prokind IN ('f', 'p') \
       AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d WHERE d.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass \
                         AND d.objid = p.oid AND d.deptype = 'i') AND",
    in_schemas!()
);

/// Tables, partitions, views and materialized views; not `_sqlx_migrations`, the migration
/// history, which is the runner's and not the schema's (a drift check could never pass).
pub(crate) const RELATIONS: &str = concat!(
    "SELECT c.oid::int8, n.nspname::text, c.relname::text, c.relkind::text, c.relpersistence::text, \
            c.relrowsecurity, c.relforcerowsecurity, \
            CASE WHEN c.relkind = 'p' THEN pg_catalog.pg_get_partkeydef(c.oid) END, \
            CASE WHEN c.relispartition THEN pg_catalog.pg_get_expr(c.relpartbound, c.oid) END, \
            CASE WHEN c.relkind IN ('v', 'm') THEN pg_catalog.pg_get_viewdef(c.oid) END, \
            COALESCE(c.reloptions::text[], '{}') \
              || COALESCE((SELECT array_agg('toast.' || o ORDER BY o) FROM pg_catalog.pg_class t, \
                           unnest(t.reloptions) o WHERE t.oid = c.reltoastrelid), '{}'), \
            CASE WHEN c.relkind = 'r' AND c.relam <> 0 THEN \
                (SELECT am.amname::text FROM pg_catalog.pg_am am WHERE am.oid = c.relam AND am.amname <> 'heap') END \
     FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
     WHERE c.relkind IN ('r', 'p', 'v', 'm') AND c.relname <> '_sqlx_migrations' AND",
    in_schemas!()
);

/// Every parent of every relation, in declaration order, by name (a parent may live in a
/// schema that is not read). Partitioned indexes have their partitions' indexes as children.
pub(crate) const INHERITANCE: &str = "SELECT i.inhrelid::int8, pn.nspname::text, pc.relname::text \
     FROM pg_catalog.pg_inherits i JOIN pg_catalog.pg_class pc ON pc.oid = i.inhparent \
     JOIN pg_catalog.pg_namespace pn ON pn.oid = pc.relnamespace \
     ORDER BY i.inhrelid, i.inhseqno";

/// The collation of every collatable type, for telling a column's own collation from its
/// type's (which saves joining every column with its type).
pub(crate) const TYPE_COLLATIONS: &str =
    "SELECT t.oid::int8, t.typcollation::int8 FROM pg_catalog.pg_type t WHERE t.typcollation <> 0";

/// Columns of tables, views and composite types, by relation id and column number, with their
/// collation and type ids; the collation's name comes only when it is neither none nor the
/// database default.
pub(crate) const COLUMNS: &str = concat!(
    "SELECT a.attrelid::int8, a.attnum, a.attname::text, \
            pg_catalog.format_type(a.atttypid, a.atttypmod), a.attnotnull, \
            ad.adbin::text, \
            a.attidentity::text, a.attgenerated::text, \
            CASE WHEN a.attcollation NOT IN (0, 100) THEN \
                (SELECT pg_catalog.quote_ident(cn.nspname) || '.' || pg_catalog.quote_ident(co.collname) \
                   FROM pg_catalog.pg_collation co JOIN pg_catalog.pg_namespace cn ON cn.oid = co.collnamespace \
                  WHERE co.oid = a.attcollation) END, \
            a.attislocal, a.attcollation::int8, a.atttypid::int8, ad.oid::int8 \
     FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class c ON c.oid = a.attrelid \
     JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
     LEFT JOIN pg_catalog.pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum \
     WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p', 'v', 'm', 'c') AND",
    in_schemas!()
);

/// Table constraints that are the table's own (not inherited from a parent). Checks come as
/// their node tree, exclusion constraints deparsed whole; keys and foreign keys as column
/// numbers, with the backing index's `INCLUDE` columns and the referenced table's name (its
/// column names come from the `columns` rows, or for a table that was not read from
/// [`REFERENCED_COLUMNS`]).
pub(crate) const CONSTRAINTS: &str = concat!(
    "SELECT con.oid::int8, con.conrelid::int8, con.conname::text, con.contype::text, \
            CASE con.contype WHEN 'c' THEN con.conbin::text \
                             WHEN 'x' THEN pg_catalog.pg_get_constraintdef(con.oid) END AS definition, \
            rn.nspname::text, rc.relname::text, con.confrelid::int8, \
            con.conkey, con.confkey, con.confdelsetcols, \
            con.confmatchtype::text, con.confupdtype::text, con.confdeltype::text, \
            con.condeferrable, con.condeferred, con.convalidated, \
            ci.indnullsnotdistinct, pg_catalog.string_to_array(ci.indkey::text, ' ')::pg_catalog.int2[], ci.indnkeyatts, \
            con.connoinherit \
     FROM pg_catalog.pg_constraint con JOIN pg_catalog.pg_class c ON c.oid = con.conrelid \
     JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
     LEFT JOIN pg_catalog.pg_class rc ON rc.oid = con.confrelid \
     LEFT JOIN pg_catalog.pg_namespace rn ON rn.oid = rc.relnamespace \
     LEFT JOIN pg_catalog.pg_index ci ON con.contype IN ('p', 'u') AND ci.indexrelid = con.conindid \
     WHERE con.contype IN ('p', 'u', 'c', 'x', 'f') AND con.conislocal AND con.conparentid = 0 AND",
    in_schemas!()
);

/// Indexes that do not back a constraint and are not a partition's copy of a parent's index.
/// (The `int2vector` and `oidvector` columns go through text to become arrays that start at 1.)
/// `simple` says plain columns with default operator classes: everything about such an
/// index is in these rows. For the others the server writes the expressions and says which
/// operator classes and collations it shows ([`SERVER_INDEX_DEFINITIONS`]).
pub(crate) const INDEXES: &str = concat!(
    "SELECT i.indexrelid::int8, i.indrelid::int8, ic.relname::text, \
            (i.indexprs IS NULL \
             AND i.indclass::pg_catalog.oid[] <@ (SELECT pg_catalog.array_agg(oc.oid) \
                                                   FROM pg_catalog.pg_opclass oc WHERE oc.opcdefault)), \
            i.indisunique, i.indnullsnotdistinct, i.indnkeyatts, pg_catalog.string_to_array(i.indkey::text, ' ')::pg_catalog.int2[], \
            pg_catalog.string_to_array(i.indoption::text, ' ')::pg_catalog.int2[], \
            pg_catalog.string_to_array(i.indcollation::text, ' ')::pg_catalog.int8[], \
            i.indpred::text, am.amname::text, i.indisvalid, \
            ic.reloptions::text[] \
     FROM pg_catalog.pg_index i JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid \
     JOIN pg_catalog.pg_am am ON am.oid = ic.relam \
     JOIN pg_catalog.pg_class c ON c.oid = i.indrelid \
     JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
     WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint con WHERE con.conindid = i.indexrelid \
                         AND con.conrelid = i.indrelid AND con.contype IN ('p', 'u', 'x')) \
       AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_inherits h WHERE h.inhrelid = i.indexrelid) AND",
    in_schemas!()
);

/// User triggers, not those a constraint or a parent table created: the `tgtype` bits, the
/// function, arguments and transition tables, and (only for a trigger with a `WHEN`
/// condition) the server's definition, from which the condition is read.
pub(crate) const TRIGGERS: &str = concat!(
    "SELECT t.oid::int8, t.tgrelid::int8, t.tgname::text, \
            CASE WHEN t.tgqual IS NOT NULL THEN pg_catalog.pg_get_triggerdef(t.oid) END, \
            t.tgenabled::text, t.tgtype::int4, \
            pg_catalog.string_to_array(NULLIF(t.tgattr::text, ''), ' ')::pg_catalog.int2[], \
            fn.nspname::text, f.proname::text, t.tgargs, t.tgnargs::int4, \
            t.tgconstraint <> 0, cn.nspname::text, cr.relname::text, t.tgdeferrable, t.tginitdeferred, \
            t.tgoldtable::text, t.tgnewtable::text \
     FROM pg_catalog.pg_trigger t JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid \
     JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
     JOIN pg_catalog.pg_proc f ON f.oid = t.tgfoid \
     JOIN pg_catalog.pg_namespace fn ON fn.oid = f.pronamespace \
     LEFT JOIN pg_catalog.pg_class cr ON cr.oid = t.tgconstrrelid \
     LEFT JOIN pg_catalog.pg_namespace cn ON cn.oid = cr.relnamespace \
     WHERE NOT t.tgisinternal AND t.tgparentid = 0 AND",
    in_schemas!()
);

pub(crate) const POLICIES: &str = concat!(
    "SELECT p.oid::int8, p.polrelid::int8, p.polname::text, p.polpermissive, \
            CASE p.polcmd WHEN 'r' THEN 'SELECT' WHEN 'a' THEN 'INSERT' WHEN 'w' THEN 'UPDATE' \
                          WHEN 'd' THEN 'DELETE' ELSE 'ALL' END, \
            ARRAY(SELECT CASE WHEN r = 0 THEN 'public' ELSE pg_catalog.quote_ident(pg_catalog.pg_get_userbyid(r)) END \
                  FROM unnest(p.polroles) r ORDER BY 1), \
            pg_catalog.pg_get_expr(p.polqual, p.polrelid), pg_catalog.pg_get_expr(p.polwithcheck, p.polrelid) \
     FROM pg_catalog.pg_policy p JOIN pg_catalog.pg_class c ON c.oid = p.polrelid \
     JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE",
    in_schemas!()
);

/// What each view reads: relations and types, from the view's rewrite rule.
pub(crate) const VIEW_DEPENDENCIES: &str = concat!(
    "SELECT DISTINCT v.oid::int8, COALESCE(rn.nspname, tn.nspname)::text, COALESCE(r.relname, t.typname)::text \
     FROM pg_catalog.pg_rewrite rw JOIN pg_catalog.pg_class v ON v.oid = rw.ev_class \
     JOIN pg_catalog.pg_namespace n ON n.oid = v.relnamespace \
     JOIN pg_catalog.pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = rw.oid \
     LEFT JOIN pg_catalog.pg_class r ON d.refclassid = 'pg_class'::regclass AND r.oid = d.refobjid \
     LEFT JOIN pg_catalog.pg_namespace rn ON rn.oid = r.relnamespace \
     LEFT JOIN pg_catalog.pg_type t ON d.refclassid = 'pg_type'::regclass AND t.oid = d.refobjid \
     LEFT JOIN pg_catalog.pg_namespace tn ON tn.oid = t.typnamespace \
     WHERE v.relkind IN ('v', 'm') AND rw.rulename = '_RETURN' AND (d.refobjid <> v.oid OR d.refobjsubid > 0) AND (r.oid IS NOT NULL OR t.oid IS NOT NULL) \
       AND COALESCE(rn.nspname, tn.nspname) NOT IN ('pg_catalog', 'information_schema') AND",
    in_schemas!()
);

/// Privileges that differ from each object's baseline (its `pg_init_privs` entry, or the
/// owner's defaults, `acldefault`): one row per grantee and privilege, `revoked` for a
/// baseline one that is gone. The owner's own entries are left out (owners are not
/// compared): the current owner's in the ACL, and in the baseline those its grantor gave
/// itself (the owner when the baseline was recorded, `pg_database_owner` for `public`
/// before an `ALTER SCHEMA public OWNER TO`). So are identity columns' sequences.
pub(crate) const PRIVILEGES: &str = concat!(
    "WITH objects AS ( \
     SELECT 'pg_catalog.pg_namespace'::pg_catalog.regclass AS classid, n.oid AS objid, 0 AS subid, 'SCHEMA' AS kind, \
     pg_catalog.quote_ident(n.nspname) AS name, n.nspname AS schema, NULL::name AS col, n.nspacl AS acl, n.nspowner AS owner, 'n'::\"char\" AS defkind \
     FROM pg_catalog.pg_namespace n \
     WHERE ",
    in_schemas!(),
    "UNION ALL \
     SELECT 'pg_catalog.pg_class'::pg_catalog.regclass, c.oid, 0, CASE WHEN c.relkind = 'S' THEN 'SEQUENCE' ELSE 'TABLE' END, \
     pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(c.relname), n.nspname, NULL, c.relacl, c.relowner, \
     CASE WHEN c.relkind = 'S' THEN 's' ELSE 'r' END::\"char\" \
     FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
     WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S') AND c.relname <> '_sqlx_migrations' \
     AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass \
     AND d.objid = c.oid AND d.deptype = 'i') \
     AND ",
    in_schemas!(),
    "UNION ALL \
     SELECT 'pg_catalog.pg_class'::pg_catalog.regclass, c.oid, a.attnum, 'TABLE', \
     pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(c.relname), n.nspname, a.attname, a.attacl, c.relowner, NULL \
     FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class c ON c.oid = a.attrelid \
     JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
     WHERE a.attacl IS NOT NULL AND a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p', 'v', 'm') \
     AND ",
    in_schemas!(),
    "UNION ALL \
     SELECT 'pg_catalog.pg_proc'::pg_catalog.regclass, p.oid, 0, CASE WHEN p.prokind = 'p' THEN 'PROCEDURE' ELSE 'FUNCTION' END, \
     pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(p.proname) \
     || '(' || pg_catalog.pg_get_function_identity_arguments(p.oid) || ')', n.nspname, NULL, p.proacl, p.proowner, 'f'::\"char\" \
     FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace \
     WHERE ",
    in_schemas!(),
    "UNION ALL \
     SELECT 'pg_catalog.pg_type'::pg_catalog.regclass, t.oid, 0, CASE WHEN t.typtype = 'd' THEN 'DOMAIN' ELSE 'TYPE' END, \
     pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(t.typname), n.nspname, NULL, t.typacl, t.typowner, 'T'::\"char\" \
     FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace \
     LEFT JOIN pg_catalog.pg_class tc ON tc.oid = t.typrelid \
     WHERE (t.typtype IN ('e', 'd') OR (t.typtype = 'c' AND tc.relkind = 'c')) \
     AND ",
    in_schemas!(),
    "), compared AS ( \
     SELECT o.*, COALESCE(ip.initprivs, CASE WHEN o.subid = 0 THEN pg_catalog.acldefault(o.defkind, o.owner) END) AS baseline \
     FROM objects o \
     LEFT JOIN pg_catalog.pg_init_privs ip ON ip.classoid = o.classid AND ip.objoid = o.objid AND ip.objsubid = o.subid \
     WHERE o.acl IS NOT NULL \
     ) \
     SELECT c.classid::oid::int8, c.objid::int8, c.kind, c.name, c.schema::text, c.col::text, \
     CASE WHEN e.grantee = 0 THEN 'PUBLIC' ELSE pg_catalog.quote_ident(pg_catalog.pg_get_userbyid(e.grantee)) END, \
     e.privilege_type, e.is_grantable, e.revoked \
     FROM compared c \
     CROSS JOIN LATERAL ( \
     SELECT g.grantee, g.privilege_type, g.is_grantable, false AS revoked \
     FROM pg_catalog.aclexplode(COALESCE(c.acl, c.baseline)) g WHERE g.grantee <> c.owner \
     EXCEPT \
     SELECT b.grantee, b.privilege_type, b.is_grantable, false FROM pg_catalog.aclexplode(c.baseline) b WHERE b.grantee <> b.grantor \
     UNION ALL \
     (SELECT b.grantee, b.privilege_type, b.is_grantable, true FROM pg_catalog.aclexplode(c.baseline) b WHERE b.grantee <> b.grantor \
     EXCEPT \
     SELECT g.grantee, g.privilege_type, g.is_grantable, true FROM pg_catalog.aclexplode(COALESCE(c.acl, c.baseline)) g WHERE g.grantee <> c.owner) \
     ) e \
     WHERE e.grantee <> c.owner "
);

/// `ALTER DEFAULT PRIVILEGES` entries as they differ from the built-in defaults (for every
/// schema) or as they are (for one schema, where they add to those). The role a schema
/// source runs as, or else the session's, is the one whose entries name no `FOR ROLE`: the
/// setting `dbridge.self_role` names it.
pub(crate) const DEFAULT_PRIVILEGES: &str = concat!(
    "SELECT d.oid::int8, \
     CASE WHEN d.defaclrole = (SELECT r.oid FROM pg_catalog.pg_roles r \
     WHERE r.rolname = COALESCE(NULLIF(pg_catalog.current_setting('dbridge.self_role', true), ''), current_user)) \
     THEN NULL ELSE pg_catalog.quote_ident(pg_catalog.pg_get_userbyid(d.defaclrole)) END, \
     n.nspname::text, d.defaclobjtype::text, \
     CASE WHEN e.grantee = 0 THEN 'PUBLIC' ELSE pg_catalog.quote_ident(pg_catalog.pg_get_userbyid(e.grantee)) END, \
     e.privilege_type, e.is_grantable, e.revoked \
     FROM pg_catalog.pg_default_acl d \
     LEFT JOIN pg_catalog.pg_namespace n ON n.oid = d.defaclnamespace \
     CROSS JOIN LATERAL (SELECT CASE WHEN d.defaclnamespace = 0 \
     THEN pg_catalog.acldefault(CASE WHEN d.defaclobjtype = 'S' THEN 's' ELSE d.defaclobjtype END, d.defaclrole) END AS baseline) b \
     CROSS JOIN LATERAL ( \
     SELECT g.grantee, g.privilege_type, g.is_grantable, false AS revoked FROM pg_catalog.aclexplode(d.defaclacl) g \
     EXCEPT \
     SELECT x.grantee, x.privilege_type, x.is_grantable, false FROM pg_catalog.aclexplode(b.baseline) x \
     UNION ALL \
     (SELECT x.grantee, x.privilege_type, x.is_grantable, true FROM pg_catalog.aclexplode(b.baseline) x \
     EXCEPT \
     SELECT g.grantee, g.privilege_type, g.is_grantable, true FROM pg_catalog.aclexplode(d.defaclacl) g) \
     ) e \
     WHERE e.grantee <> d.defaclrole \
     AND CASE WHEN d.defaclnamespace = 0 THEN $1::text[] IS NULL ELSE ",
    in_schemas!(),
    "END"
);

/// `pg_get_indexdef` for the indexes in `$1` that are not `simple`, with the text of each
/// key part (`pg_get_indexdef(index, part, false)`: a column name or an expression).
pub(crate) const SERVER_INDEX_DEFINITIONS: &str =
    "SELECT o, pg_catalog.pg_get_indexdef(o::pg_catalog.oid), \
            ARRAY(SELECT pg_catalog.pg_get_indexdef(o::pg_catalog.oid, k, false) \
                  FROM pg_catalog.generate_series(1, i.indnkeyatts) k ORDER BY k) \
     FROM unnest($1::pg_catalog.int8[]) o JOIN pg_catalog.pg_index i ON i.indexrelid = o::pg_catalog.oid";

/// The referenced columns of the foreign keys in `$1`, by name in key order, for foreign
/// keys to tables in schemas that were not read.
pub(crate) const REFERENCED_COLUMNS: &str =
    "SELECT con.oid::int8, \
            ARRAY(SELECT a.attname::text FROM unnest(con.confkey) WITH ORDINALITY k(n, o) \
                  JOIN pg_catalog.pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.n \
                  ORDER BY k.o) \
     FROM pg_catalog.pg_constraint con WHERE con.oid = ANY($1::pg_catalog.int8[]::pg_catalog.oid[])";
