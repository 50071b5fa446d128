//! The catalog queries of the kinds built on functions: operators, operator families and
//! classes, aggregates and casts (rows as [`definition_queries`](super::definition_queries)
//! describes them).

/// The operators and support functions that belong to the operator class or family `$owner`
/// (a `pg_opclass` or `pg_opfamily` row, by the catalog `$catalog` its `pg_depend` entries
/// point into), as `(item, sort)` rows: `OPERATOR 1 public.<(integer,integer)`,
/// `FUNCTION 1 (integer, integer) public.cmp(integer,integer)`.
macro_rules! members {
    ($catalog:literal, $owner:literal) => {
        concat!(
            "SELECT 'OPERATOR ' || ao.amopstrategy || ' ' || ao.amopopr::pg_catalog.regoperator::text \
                    || CASE WHEN ao.amoppurpose = 'o' THEN ' FOR ORDER BY ' \
                            || (SELECT pg_catalog.quote_ident(sn.nspname) || '.' || pg_catalog.quote_ident(sf.opfname) \
                                  FROM pg_catalog.pg_opfamily sf JOIN pg_catalog.pg_namespace sn ON sn.oid = sf.opfnamespace \
                                 WHERE sf.oid = ao.amopsortfamily) ELSE '' END AS item, \
                    (0, ao.amopstrategy, ao.oid::int8) AS sort \
               FROM pg_catalog.pg_amop ao JOIN pg_catalog.pg_depend d \
                    ON d.classid = 'pg_catalog.pg_amop'::pg_catalog.regclass AND d.objid = ao.oid \
              WHERE d.refclassid = 'pg_catalog.", $catalog, "'::pg_catalog.regclass AND d.refobjid = ", $owner, ".oid \
             UNION ALL \
             SELECT 'FUNCTION ' || ap.amprocnum || ' (' || pg_catalog.format_type(ap.amproclefttype, NULL) || ', ' \
                    || pg_catalog.format_type(ap.amprocrighttype, NULL) || ') ' || ap.amproc::pg_catalog.regprocedure::text, \
                    (1, ap.amprocnum, ap.oid::int8) \
               FROM pg_catalog.pg_amproc ap JOIN pg_catalog.pg_depend d \
                    ON d.classid = 'pg_catalog.pg_amproc'::pg_catalog.regclass AND d.objid = ap.oid \
              WHERE d.refclassid = 'pg_catalog.", $catalog, "'::pg_catalog.regclass AND d.refobjid = ", $owner, ".oid "
        )
    };
}

/// Operator families, with their loose members (operators and support functions not bound to
/// a class) as one `ALTER OPERATOR FAMILY ... ADD`.
pub(crate) const OPERATOR_FAMILIES: &str = concat!(
    "SELECT 'pg_catalog.pg_opfamily'::pg_catalog.regclass::oid::int8, f.oid::int8, n.nspname::text, \
     pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(f.opfname) || ' USING ' || pg_catalog.quote_ident(am.amname), \
     ARRAY['CREATE OPERATOR FAMILY ' || pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(f.opfname) || ' USING ' || pg_catalog.quote_ident(am.amname)] \
     || COALESCE((SELECT ARRAY['ALTER OPERATOR FAMILY ' || pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(f.opfname) || ' USING ' || pg_catalog.quote_ident(am.amname) \
     || ' ADD ' || pg_catalog.string_agg(m.item, ', ' ORDER BY m.sort)] \
     FROM (", members!("pg_opfamily", "f"), ") m \
     HAVING count(*) > 0), '{}'::text[]), \
     NULL::text, NULL::text \
     FROM pg_catalog.pg_opfamily f JOIN pg_catalog.pg_namespace n ON n.oid = f.opfnamespace JOIN pg_catalog.pg_am am ON am.oid = f.opfmethod \
     WHERE ",
    in_schemas!()
);

/// Operator classes, always naming their family (which is its own object, as for pg_dump).
pub(crate) const OPERATOR_CLASSES: &str = concat!(
    "SELECT 'pg_catalog.pg_opclass'::pg_catalog.regclass::oid::int8, c.oid::int8, n.nspname::text, \
     pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(c.opcname) || ' USING ' || pg_catalog.quote_ident(am.amname), \
     ARRAY['CREATE OPERATOR CLASS ' || pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(c.opcname) \
     || CASE WHEN c.opcdefault THEN ' DEFAULT' ELSE '' END \
     || ' FOR TYPE ' || pg_catalog.format_type(c.opcintype, NULL) || ' USING ' || pg_catalog.quote_ident(am.amname) \
     || ' FAMILY ' || pg_catalog.quote_ident(fn.nspname) || '.' || pg_catalog.quote_ident(f.opfname) || ' AS ' \
     || COALESCE((SELECT pg_catalog.string_agg(m.item, ', ' ORDER BY m.sort) \
     FROM (", members!("pg_opclass", "c"), " \
     UNION ALL \
     SELECT 'STORAGE ' || pg_catalog.format_type(c.opckeytype, NULL), (2, 0, 0::int8) WHERE c.opckeytype <> 0) m), '')], \
     NULL::text, NULL::text \
     FROM pg_catalog.pg_opclass c JOIN pg_catalog.pg_namespace n ON n.oid = c.opcnamespace JOIN pg_catalog.pg_am am ON am.oid = c.opcmethod \
     JOIN pg_catalog.pg_opfamily f ON f.oid = c.opcfamily JOIN pg_catalog.pg_namespace fn ON fn.oid = f.opfnamespace \
     WHERE ",
    in_schemas!()
);

pub(crate) const OPERATORS: &str = concat!(
    "SELECT 'pg_catalog.pg_operator'::pg_catalog.regclass::oid::int8, o.oid::int8, n.nspname::text, \
     pg_catalog.quote_ident(n.nspname) || '.' || o.oprname || ' (' \
     || COALESCE(pg_catalog.format_type(NULLIF(o.oprleft, 0), NULL), 'NONE') || ', ' \
     || COALESCE(pg_catalog.format_type(NULLIF(o.oprright, 0), NULL), 'NONE') || ')', \
     ARRAY['CREATE OPERATOR ' || pg_catalog.quote_ident(n.nspname) || '.' || o.oprname || ' (' \
     || pg_catalog.concat_ws(', ', \
     'FUNCTION = ' || o.oprcode::pg_catalog.regproc::text, \
     'LEFTARG = ' || pg_catalog.format_type(NULLIF(o.oprleft, 0), NULL), \
     'RIGHTARG = ' || pg_catalog.format_type(NULLIF(o.oprright, 0), NULL), \
     (SELECT 'COMMUTATOR = OPERATOR(' || pg_catalog.quote_ident(cn.nspname) || '.' || co.oprname || ')' \
     FROM pg_catalog.pg_operator co JOIN pg_catalog.pg_namespace cn ON cn.oid = co.oprnamespace WHERE co.oid = o.oprcom), \
     (SELECT 'NEGATOR = OPERATOR(' || pg_catalog.quote_ident(cn.nspname) || '.' || co.oprname || ')' \
     FROM pg_catalog.pg_operator co JOIN pg_catalog.pg_namespace cn ON cn.oid = co.oprnamespace WHERE co.oid = o.oprnegate), \
     'RESTRICT = ' || NULLIF(o.oprrest, 0)::pg_catalog.regproc::text, \
     'JOIN = ' || NULLIF(o.oprjoin, 0)::pg_catalog.regproc::text, \
     CASE WHEN o.oprcanhash THEN 'HASHES' END, \
     CASE WHEN o.oprcanmerge THEN 'MERGES' END) || ')'], \
     NULL::text, NULL::text \
     FROM pg_catalog.pg_operator o JOIN pg_catalog.pg_namespace n ON n.oid = o.oprnamespace \
     WHERE o.oprcode <> 0 AND ",
    in_schemas!()
);

pub(crate) const AGGREGATES: &str = concat!(
    "SELECT 'pg_catalog.pg_proc'::pg_catalog.regclass::oid::int8, p.oid::int8, n.nspname::text, \
     pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(p.proname) \
     || '(' || CASE WHEN p.pronargs = 0 THEN '*' ELSE pg_catalog.pg_get_function_identity_arguments(p.oid) END || ')', \
     ARRAY['CREATE AGGREGATE ' || pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(p.proname) \
     || '(' || CASE WHEN p.pronargs = 0 THEN '*' ELSE pg_catalog.pg_get_function_arguments(p.oid) END || ') (' \
     || pg_catalog.concat_ws(', ', \
     'SFUNC = ' || a.aggtransfn::pg_catalog.regproc::text, \
     'STYPE = ' || pg_catalog.format_type(a.aggtranstype, NULL), \
     CASE WHEN a.aggtransspace <> 0 THEN 'SSPACE = ' || a.aggtransspace END, \
     CASE WHEN a.aggfinalfn <> 0 THEN 'FINALFUNC = ' || a.aggfinalfn::pg_catalog.regproc::text END, \
     CASE WHEN a.aggfinalextra THEN 'FINALFUNC_EXTRA' END, \
     CASE WHEN a.aggfinalmodify <> CASE WHEN a.aggkind = 'n' THEN 'r' ELSE 'w' END \
     THEN 'FINALFUNC_MODIFY = ' || CASE a.aggfinalmodify WHEN 'r' THEN 'READ_ONLY' WHEN 's' THEN 'SHAREABLE' ELSE 'READ_WRITE' END END, \
     CASE WHEN a.aggcombinefn <> 0 THEN 'COMBINEFUNC = ' || a.aggcombinefn::pg_catalog.regproc::text END, \
     CASE WHEN a.aggserialfn <> 0 THEN 'SERIALFUNC = ' || a.aggserialfn::pg_catalog.regproc::text END, \
     CASE WHEN a.aggdeserialfn <> 0 THEN 'DESERIALFUNC = ' || a.aggdeserialfn::pg_catalog.regproc::text END, \
     'INITCOND = ' || pg_catalog.quote_literal(a.agginitval), \
     CASE WHEN a.aggmtransfn <> 0 THEN 'MSFUNC = ' || a.aggmtransfn::pg_catalog.regproc::text \
     || ', MINVFUNC = ' || a.aggminvtransfn::pg_catalog.regproc::text \
     || ', MSTYPE = ' || pg_catalog.format_type(a.aggmtranstype, NULL) END, \
     CASE WHEN a.aggmtransspace <> 0 THEN 'MSSPACE = ' || a.aggmtransspace END, \
     CASE WHEN a.aggmfinalfn <> 0 THEN 'MFINALFUNC = ' || a.aggmfinalfn::pg_catalog.regproc::text END, \
     CASE WHEN a.aggmfinalextra THEN 'MFINALFUNC_EXTRA' END, \
     CASE WHEN a.aggmtransfn <> 0 AND a.aggmfinalmodify <> CASE WHEN a.aggkind = 'n' THEN 'r' ELSE 'w' END \
     THEN 'MFINALFUNC_MODIFY = ' || CASE a.aggmfinalmodify WHEN 'r' THEN 'READ_ONLY' WHEN 's' THEN 'SHAREABLE' ELSE 'READ_WRITE' END END, \
     'MINITCOND = ' || pg_catalog.quote_literal(a.aggminitval), \
     CASE WHEN a.aggsortop <> 0 THEN 'SORTOP = ' || (SELECT 'OPERATOR(' || pg_catalog.quote_ident(son.nspname) || '.' || so.oprname || ')' \
     FROM pg_catalog.pg_operator so JOIN pg_catalog.pg_namespace son ON son.oid = so.oprnamespace WHERE so.oid = a.aggsortop) END, \
     CASE p.proparallel WHEN 's' THEN 'PARALLEL = SAFE' WHEN 'r' THEN 'PARALLEL = RESTRICTED' END, \
     CASE WHEN a.aggkind = 'h' THEN 'HYPOTHETICAL' END) || ')'], \
     NULL::text, NULL::text \
     FROM pg_catalog.pg_aggregate a JOIN pg_catalog.pg_proc p ON p.oid = a.aggfnoid \
     JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace \
     WHERE ",
    in_schemas!()
);

/// User casts (not those a range type makes for its multirange); a cast's schema is its first type's outside `pg_catalog`, or its function's.
pub(crate) const CASTS: &str = concat!(
    "SELECT 'pg_catalog.pg_cast'::pg_catalog.regclass::oid::int8, c.oid::int8, n.nspname::text, \
            '(' || pg_catalog.format_type(c.castsource, NULL) || ' AS ' || pg_catalog.format_type(c.casttarget, NULL) || ')', \
            ARRAY['CREATE CAST (' || pg_catalog.format_type(c.castsource, NULL) || ' AS ' || pg_catalog.format_type(c.casttarget, NULL) || ') ' \
                  || CASE c.castmethod WHEN 'f' THEN 'WITH FUNCTION ' || c.castfunc::pg_catalog.regprocedure::text \
                                       WHEN 'i' THEN 'WITH INOUT' ELSE 'WITHOUT FUNCTION' END \
                  || CASE c.castcontext WHEN 'a' THEN ' AS ASSIGNMENT' WHEN 'i' THEN ' AS IMPLICIT' ELSE '' END], \
            NULL::text, NULL::text \
     FROM pg_catalog.pg_cast c \
     JOIN pg_catalog.pg_type s ON s.oid = c.castsource JOIN pg_catalog.pg_namespace sn ON sn.oid = s.typnamespace \
     JOIN pg_catalog.pg_type t ON t.oid = c.casttarget JOIN pg_catalog.pg_namespace tn ON tn.oid = t.typnamespace \
     LEFT JOIN pg_catalog.pg_proc f ON f.oid = c.castfunc LEFT JOIN pg_catalog.pg_namespace fn ON fn.oid = f.pronamespace \
     CROSS JOIN LATERAL (SELECT COALESCE(NULLIF(sn.nspname, 'pg_catalog'), NULLIF(tn.nspname, 'pg_catalog'), fn.nspname) AS nspname) n \
     WHERE c.oid >= 16384 \
       AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d WHERE d.classid = 'pg_catalog.pg_cast'::pg_catalog.regclass \
                         AND d.objid = c.oid AND d.deptype = 'i') AND",
    in_schemas!()
);
