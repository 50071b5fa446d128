//! The catalog queries of the kinds kept as their statements ([`Definition`]): one per kind,
//! each row `(catalog id, object id, schema, name, statements, table schema, table name)`.
//!
//! Each query writes the statements that create its object as pg_dump would, from the
//! catalog rows (or `pg_get_ruledef` and `pg_get_statisticsobjdef`), with every name
//! quoted and qualified; values read with `to_jsonb` are the columns whose name or type
//! changed between PostgreSQL releases.

use super::foreign_queries::*;
use super::routine_queries::*;
use crate::diff::model::DefinitionKind;

/// Whether some object of each kind of [`ALL`] (in its order) may be the user's: any with an
/// id from 16384 on, the first that is not the system's. One cheap row, so that the queries
/// of the kinds a database does not use (most of them, usually) are neither planned nor run.
pub(crate) const CENSUS: &str = "SELECT ARRAY[\
     EXISTS (SELECT 1 FROM pg_catalog.pg_am WHERE oid >= 16384), \
     EXISTS (SELECT 1 FROM pg_catalog.pg_collation WHERE oid >= 16384), \
     EXISTS (SELECT 1 FROM pg_catalog.pg_conversion WHERE oid >= 16384), \
     EXISTS (SELECT 1 FROM pg_catalog.pg_ts_parser WHERE oid >= 16384), \
     EXISTS (SELECT 1 FROM pg_catalog.pg_ts_template WHERE oid >= 16384), \
     EXISTS (SELECT 1 FROM pg_catalog.pg_ts_dict WHERE oid >= 16384), \
     EXISTS (SELECT 1 FROM pg_catalog.pg_ts_config WHERE oid >= 16384), \
     EXISTS (SELECT 1 FROM pg_catalog.pg_range WHERE rngtypid >= 16384), \
     EXISTS (SELECT 1 FROM pg_catalog.pg_operator WHERE oid >= 16384), \
     EXISTS (SELECT 1 FROM pg_catalog.pg_opfamily WHERE oid >= 16384), \
     EXISTS (SELECT 1 FROM pg_catalog.pg_opclass WHERE oid >= 16384), \
     EXISTS (SELECT 1 FROM pg_catalog.pg_aggregate WHERE aggfnoid >= 16384), \
     EXISTS (SELECT 1 FROM pg_catalog.pg_cast WHERE oid >= 16384), \
     EXISTS (SELECT 1 FROM pg_catalog.pg_foreign_data_wrapper WHERE oid >= 16384), \
     EXISTS (SELECT 1 FROM pg_catalog.pg_foreign_server WHERE oid >= 16384), \
     EXISTS (SELECT 1 FROM pg_catalog.pg_user_mappings WHERE umid >= 16384), \
     EXISTS (SELECT 1 FROM pg_catalog.pg_foreign_table WHERE ftrelid >= 16384), \
     EXISTS (SELECT 1 FROM pg_catalog.pg_statistic_ext WHERE oid >= 16384), \
     EXISTS (SELECT 1 FROM pg_catalog.pg_rewrite WHERE oid >= 16384 AND rulename <> '_RETURN'), \
     EXISTS (SELECT 1 FROM pg_catalog.pg_event_trigger WHERE oid >= 16384), \
     EXISTS (SELECT 1 FROM pg_catalog.pg_publication WHERE oid >= 16384)]";

/// The queries of the kinds `present` (from [`CENSUS`]) says a database may hold, as one, so
/// that reading them costs one round trip: each row starts with the index in [`ALL`] of the
/// query it comes from. `None` when there is none.
pub(crate) fn kinds_query(present: &[bool]) -> Option<String> {
    let parts: Vec<String> = ALL
        .iter()
        .enumerate()
        .filter(|(i, _)| present.get(*i).copied().unwrap_or(true))
        .map(|(i, (_, sql))| format!("SELECT {i}::int4, q.* FROM ({sql}) q"))
        .collect();
    (!parts.is_empty()).then(|| parts.join(" UNION ALL "))
}

/// Every query, by the kind it reads.
pub(crate) const ALL: [(DefinitionKind, &str); 21] = [
    (DefinitionKind::AccessMethod, ACCESS_METHODS),
    (DefinitionKind::Collation, COLLATIONS),
    (DefinitionKind::Conversion, CONVERSIONS),
    (DefinitionKind::TextSearchParser, TEXT_SEARCH_PARSERS),
    (DefinitionKind::TextSearchTemplate, TEXT_SEARCH_TEMPLATES),
    (
        DefinitionKind::TextSearchDictionary,
        TEXT_SEARCH_DICTIONARIES,
    ),
    (
        DefinitionKind::TextSearchConfiguration,
        TEXT_SEARCH_CONFIGURATIONS,
    ),
    (DefinitionKind::RangeType, RANGE_TYPES),
    (DefinitionKind::Operator, OPERATORS),
    (DefinitionKind::OperatorFamily, OPERATOR_FAMILIES),
    (DefinitionKind::OperatorClass, OPERATOR_CLASSES),
    (DefinitionKind::Aggregate, AGGREGATES),
    (DefinitionKind::Cast, CASTS),
    (DefinitionKind::ForeignDataWrapper, FOREIGN_DATA_WRAPPERS),
    (DefinitionKind::Server, SERVERS),
    (DefinitionKind::UserMapping, USER_MAPPINGS),
    (DefinitionKind::ForeignTable, FOREIGN_TABLES),
    (DefinitionKind::Statistics, STATISTICS),
    (DefinitionKind::Rule, RULES),
    (DefinitionKind::EventTrigger, EVENT_TRIGGERS),
    (DefinitionKind::Publication, PUBLICATIONS),
];

/// Access methods created by users (extensions' are left out); they belong to the database.
pub(crate) const ACCESS_METHODS: &str =
    "SELECT 'pg_catalog.pg_am'::pg_catalog.regclass::oid::int8, a.oid::int8, NULL::text, \
     pg_catalog.quote_ident(a.amname), \
     ARRAY['CREATE ACCESS METHOD ' || pg_catalog.quote_ident(a.amname) \
           || CASE a.amtype WHEN 't' THEN ' TYPE TABLE' ELSE ' TYPE INDEX' END \
           || ' HANDLER ' || a.amhandler::pg_catalog.regproc::text], \
     NULL::text, NULL::text \
     FROM pg_catalog.pg_am a WHERE a.oid >= 16384 AND $1::text[] IS NULL ";

/// Text search parsers (functions in C, so rare outside extensions).
pub(crate) const TEXT_SEARCH_PARSERS: &str = concat!(
    "SELECT 'pg_catalog.pg_ts_parser'::pg_catalog.regclass::oid::int8, p.oid::int8, n.nspname::text, \
     pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(p.prsname), \
     ARRAY['CREATE TEXT SEARCH PARSER ' || pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(p.prsname) \
     || ' (START = ' || p.prsstart::pg_catalog.regproc::text || ', GETTOKEN = ' || p.prstoken::pg_catalog.regproc::text \
     || ', END = ' || p.prsend::pg_catalog.regproc::text || ', LEXTYPES = ' || p.prslextype::pg_catalog.regproc::text \
     || CASE WHEN p.prsheadline <> 0 THEN ', HEADLINE = ' || p.prsheadline::pg_catalog.regproc::text ELSE '' END || ')'], \
     NULL::text, NULL::text \
     FROM pg_catalog.pg_ts_parser p JOIN pg_catalog.pg_namespace n ON n.oid = p.prsnamespace \
     WHERE ",
    in_schemas!()
);

/// Text search templates.
pub(crate) const TEXT_SEARCH_TEMPLATES: &str = concat!(
    "SELECT 'pg_catalog.pg_ts_template'::pg_catalog.regclass::oid::int8, t.oid::int8, n.nspname::text, \
     pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(t.tmplname), \
     ARRAY['CREATE TEXT SEARCH TEMPLATE ' || pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(t.tmplname) \
     || ' (' || CASE WHEN t.tmplinit <> 0 THEN 'INIT = ' || t.tmplinit::pg_catalog.regproc::text || ', ' ELSE '' END \
     || 'LEXIZE = ' || t.tmpllexize::pg_catalog.regproc::text || ')'], \
     NULL::text, NULL::text \
     FROM pg_catalog.pg_ts_template t JOIN pg_catalog.pg_namespace n ON n.oid = t.tmplnamespace \
     WHERE ",
    in_schemas!()
);

/// Range types, with the multirange type's name when it is not the one PostgreSQL derives.
pub(crate) const RANGE_TYPES: &str = concat!(
    "SELECT 'pg_catalog.pg_type'::pg_catalog.regclass::oid::int8, t.oid::int8, n.nspname::text, \
     pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(t.typname), \
     ARRAY['CREATE TYPE ' || pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(t.typname) || ' AS RANGE (' \
     || pg_catalog.concat_ws(', ', \
     'SUBTYPE = ' || pg_catalog.format_type(r.rngsubtype, NULL), \
     CASE WHEN NOT oc.opcdefault THEN 'SUBTYPE_OPCLASS = ' || pg_catalog.quote_ident(ocn.nspname) || '.' || pg_catalog.quote_ident(oc.opcname) END, \
     CASE WHEN r.rngcollation <> 0 AND r.rngcollation <> st.typcollation THEN 'COLLATION = ' || (SELECT pg_catalog.quote_ident(cn.nspname) || '.' || pg_catalog.quote_ident(co.collname) FROM pg_catalog.pg_collation co JOIN pg_catalog.pg_namespace cn ON cn.oid = co.collnamespace WHERE co.oid = r.rngcollation) END, \
     CASE WHEN r.rngcanonical <> 0 THEN 'CANONICAL = ' || r.rngcanonical::pg_catalog.regproc::text END, \
     CASE WHEN r.rngsubdiff <> 0 THEN 'SUBTYPE_DIFF = ' || r.rngsubdiff::pg_catalog.regproc::text END, \
     CASE WHEN mt.typnamespace <> t.typnamespace OR mt.typname <> CASE WHEN t.typname LIKE '%range%' THEN pg_catalog.regexp_replace(t.typname, 'range', 'multirange') ELSE t.typname || '_multirange' END \
     THEN 'MULTIRANGE_TYPE_NAME = ' || pg_catalog.quote_ident(mn.nspname) || '.' || pg_catalog.quote_ident(mt.typname) END) \
     || ')'], \
     NULL::text, NULL::text \
     FROM pg_catalog.pg_range r JOIN pg_catalog.pg_type t ON t.oid = r.rngtypid \
     JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace \
     JOIN pg_catalog.pg_type st ON st.oid = r.rngsubtype \
     JOIN pg_catalog.pg_opclass oc ON oc.oid = r.rngsubopc JOIN pg_catalog.pg_namespace ocn ON ocn.oid = oc.opcnamespace \
     JOIN pg_catalog.pg_type mt ON mt.oid = r.rngmultitypid JOIN pg_catalog.pg_namespace mn ON mn.oid = mt.typnamespace \
     WHERE ",
    in_schemas!()
);

pub(crate) const COLLATIONS: &str = concat!(
    "SELECT 'pg_catalog.pg_collation'::pg_catalog.regclass::oid::int8, co.oid::int8, n.nspname::text, \
     pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(co.collname), \
     ARRAY['CREATE COLLATION ' || pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(co.collname) || ' (' || \
     pg_catalog.concat_ws(', ', \
     'provider = ' || CASE co.collprovider WHEN 'i' THEN 'icu' WHEN 'b' THEN 'builtin' ELSE 'libc' END, \
     CASE WHEN co.collprovider = 'c' AND co.collcollate IS DISTINCT FROM co.collctype \
     THEN 'lc_collate = ' || pg_catalog.quote_literal(co.collcollate) || ', lc_ctype = ' || pg_catalog.quote_literal(co.collctype) \
     ELSE 'locale = ' || pg_catalog.quote_literal(COALESCE(pg_catalog.to_jsonb(co) ->> 'colllocale', \
     pg_catalog.to_jsonb(co) ->> 'colliculocale', \
     co.collcollate)) END, \
     'rules = ' || pg_catalog.quote_literal(pg_catalog.to_jsonb(co) ->> 'collicurules'), \
     CASE WHEN NOT co.collisdeterministic THEN 'deterministic = false' END) || ')'], \
     NULL::text, NULL::text \
     FROM pg_catalog.pg_collation co JOIN pg_catalog.pg_namespace n ON n.oid = co.collnamespace \
     WHERE ",
    in_schemas!()
);

pub(crate) const CONVERSIONS: &str = concat!(
    "SELECT 'pg_catalog.pg_conversion'::pg_catalog.regclass::oid::int8, c.oid::int8, n.nspname::text, \
     pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(c.conname), \
     ARRAY['CREATE ' || CASE WHEN c.condefault THEN 'DEFAULT ' ELSE '' END || 'CONVERSION ' \
     || pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(c.conname) \
     || ' FOR ' || pg_catalog.quote_literal(pg_catalog.pg_encoding_to_char(c.conforencoding)) \
     || ' TO ' || pg_catalog.quote_literal(pg_catalog.pg_encoding_to_char(c.contoencoding)) \
     || ' FROM ' || c.conproc::pg_catalog.regproc::text], \
     NULL::text, NULL::text \
     FROM pg_catalog.pg_conversion c JOIN pg_catalog.pg_namespace n ON n.oid = c.connamespace \
     WHERE ",
    in_schemas!()
);

pub(crate) const TEXT_SEARCH_DICTIONARIES: &str = concat!(
    "SELECT 'pg_catalog.pg_ts_dict'::pg_catalog.regclass::oid::int8, d.oid::int8, n.nspname::text, \
     pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(d.dictname), \
     ARRAY['CREATE TEXT SEARCH DICTIONARY ' || pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(d.dictname) \
     || ' (TEMPLATE = ' || pg_catalog.quote_ident(tn.nspname) || '.' || pg_catalog.quote_ident(t.tmplname) \
     || COALESCE(', ' || d.dictinitoption, '') || ')'], \
     NULL::text, NULL::text \
     FROM pg_catalog.pg_ts_dict d JOIN pg_catalog.pg_namespace n ON n.oid = d.dictnamespace \
     JOIN pg_catalog.pg_ts_template t ON t.oid = d.dicttemplate JOIN pg_catalog.pg_namespace tn ON tn.oid = t.tmplnamespace \
     WHERE ",
    in_schemas!()
);

pub(crate) const TEXT_SEARCH_CONFIGURATIONS: &str = concat!(
    "SELECT 'pg_catalog.pg_ts_config'::pg_catalog.regclass::oid::int8, c.oid::int8, n.nspname::text, \
     pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(c.cfgname), \
     ARRAY['CREATE TEXT SEARCH CONFIGURATION ' || pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(c.cfgname) \
     || ' (PARSER = ' || pg_catalog.quote_ident(pn.nspname) || '.' || pg_catalog.quote_ident(p.prsname) || ')'] \
     || ARRAY(SELECT 'ALTER TEXT SEARCH CONFIGURATION ' || pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(c.cfgname) \
     || ' ADD MAPPING FOR ' || pg_catalog.quote_ident(tt.alias) || ' WITH ' \
     || pg_catalog.string_agg(pg_catalog.quote_ident(dn.nspname) || '.' || pg_catalog.quote_ident(dd.dictname), ', ' ORDER BY m.mapseqno) \
     FROM pg_catalog.pg_ts_config_map m \
     JOIN pg_catalog.ts_token_type(c.cfgparser) tt ON tt.tokid = m.maptokentype \
     JOIN pg_catalog.pg_ts_dict dd ON dd.oid = m.mapdict JOIN pg_catalog.pg_namespace dn ON dn.oid = dd.dictnamespace \
     WHERE m.mapcfg = c.oid GROUP BY m.maptokentype, tt.alias ORDER BY m.maptokentype), \
     NULL::text, NULL::text \
     FROM pg_catalog.pg_ts_config c JOIN pg_catalog.pg_namespace n ON n.oid = c.cfgnamespace \
     JOIN pg_catalog.pg_ts_parser p ON p.oid = c.cfgparser JOIN pg_catalog.pg_namespace pn ON pn.oid = p.prsnamespace \
     WHERE ",
    in_schemas!()
);

pub(crate) const STATISTICS: &str = concat!(
    "SELECT 'pg_catalog.pg_statistic_ext'::pg_catalog.regclass::oid::int8, s.oid::int8, n.nspname::text, \
     pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(s.stxname), \
     ARRAY[pg_catalog.pg_get_statisticsobjdef(s.oid)] \
     || CASE WHEN (pg_catalog.to_jsonb(s) ->> 'stxstattarget')::int4 >= 0 \
     THEN ARRAY['ALTER STATISTICS ' || pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(s.stxname) \
     || ' SET STATISTICS ' || (pg_catalog.to_jsonb(s) ->> 'stxstattarget')] \
     ELSE '{}'::text[] END, \
     rn.nspname::text, r.relname::text \
     FROM pg_catalog.pg_statistic_ext s JOIN pg_catalog.pg_namespace n ON n.oid = s.stxnamespace \
     JOIN pg_catalog.pg_class r ON r.oid = s.stxrelid JOIN pg_catalog.pg_namespace rn ON rn.oid = r.relnamespace \
     WHERE ",
    in_schemas!()
);

pub(crate) const RULES: &str = concat!(
    "SELECT 'pg_catalog.pg_rewrite'::pg_catalog.regclass::oid::int8, r.oid::int8, n.nspname::text, \
     pg_catalog.quote_ident(r.rulename) || ' ON ' || pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(c.relname), \
     ARRAY[pg_catalog.rtrim(pg_catalog.pg_get_ruledef(r.oid), ';')] \
     || CASE r.ev_enabled WHEN 'O' THEN '{}'::text[] \
     ELSE ARRAY['ALTER TABLE ' || pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(c.relname) \
     || CASE r.ev_enabled WHEN 'D' THEN ' DISABLE' WHEN 'R' THEN ' ENABLE REPLICA' ELSE ' ENABLE ALWAYS' END \
     || ' RULE ' || pg_catalog.quote_ident(r.rulename)] END, \
     n.nspname::text, c.relname::text \
     FROM pg_catalog.pg_rewrite r JOIN pg_catalog.pg_class c ON c.oid = r.ev_class \
     JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
     WHERE r.rulename <> '_RETURN' AND ",
    in_schemas!()
);

pub(crate) const EVENT_TRIGGERS: &str = concat!(
    "SELECT 'pg_catalog.pg_event_trigger'::pg_catalog.regclass::oid::int8, e.oid::int8, n.nspname::text, \
     pg_catalog.quote_ident(e.evtname), \
     ARRAY['CREATE EVENT TRIGGER ' || pg_catalog.quote_ident(e.evtname) || ' ON ' || pg_catalog.quote_ident(e.evtevent) \
     || COALESCE(' WHEN TAG IN (' || (SELECT pg_catalog.string_agg(pg_catalog.quote_literal(t), ', ' ORDER BY t) FROM unnest(e.evttags) t) || ')', '') \
     || ' EXECUTE FUNCTION ' || pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(f.proname) || '()'] \
     || CASE e.evtenabled WHEN 'O' THEN '{}'::text[] \
     ELSE ARRAY['ALTER EVENT TRIGGER ' || pg_catalog.quote_ident(e.evtname) \
     || CASE e.evtenabled WHEN 'D' THEN ' DISABLE' WHEN 'R' THEN ' ENABLE REPLICA' ELSE ' ENABLE ALWAYS' END] END, \
     NULL::text, NULL::text \
     FROM pg_catalog.pg_event_trigger e JOIN pg_catalog.pg_proc f ON f.oid = e.evtfoid \
     JOIN pg_catalog.pg_namespace n ON n.oid = f.pronamespace \
     WHERE ",
    in_schemas!()
);

/// Publications belong to the database, not to a schema: read only when every schema is.
pub(crate) const PUBLICATIONS: &str = "SELECT 'pg_catalog.pg_publication'::pg_catalog.regclass::oid::int8, p.oid::int8, NULL::text, \
     pg_catalog.quote_ident(p.pubname), \
     ARRAY['CREATE PUBLICATION ' || pg_catalog.quote_ident(p.pubname) \
     || CASE WHEN p.puballtables THEN ' FOR ALL TABLES' \
     ELSE COALESCE(' FOR ' || NULLIF(pg_catalog.concat_ws(', ', \
     (SELECT pg_catalog.string_agg('TABLE ' || pg_catalog.quote_ident(rn.nspname) || '.' || pg_catalog.quote_ident(rc.relname) \
     || COALESCE(' (' || (SELECT pg_catalog.string_agg(pg_catalog.quote_ident(a.attname), ', ' ORDER BY k.o) \
     FROM unnest(pr.prattrs) WITH ORDINALITY k(n, o) \
     JOIN pg_catalog.pg_attribute a ON a.attrelid = pr.prrelid AND a.attnum = k.n) || ')', '') \
     || COALESCE(' WHERE (' || pg_catalog.pg_get_expr(pr.prqual, pr.prrelid) || ')', ''), \
     ', ' ORDER BY rn.nspname, rc.relname) \
     FROM pg_catalog.pg_publication_rel pr JOIN pg_catalog.pg_class rc ON rc.oid = pr.prrelid \
     JOIN pg_catalog.pg_namespace rn ON rn.oid = rc.relnamespace WHERE pr.prpubid = p.oid), \
     (SELECT pg_catalog.string_agg('TABLES IN SCHEMA ' || pg_catalog.quote_ident(sn.nspname), ', ' ORDER BY sn.nspname) \
     FROM pg_catalog.pg_publication_namespace ps JOIN pg_catalog.pg_namespace sn ON sn.oid = ps.pnnspid \
     WHERE ps.pnpubid = p.oid)), ''), '') END \
     || ' WITH (publish = ' || pg_catalog.quote_literal(pg_catalog.concat_ws(', ', \
     CASE WHEN p.pubinsert THEN 'insert' END, CASE WHEN p.pubupdate THEN 'update' END, \
     CASE WHEN p.pubdelete THEN 'delete' END, CASE WHEN p.pubtruncate THEN 'truncate' END)) \
     || ', publish_via_partition_root = ' || p.pubviaroot || ')'], \
     NULL::text, NULL::text \
     FROM pg_catalog.pg_publication p WHERE $1::text[] IS NULL ";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_census_has_one_test_per_kind() {
        assert_eq!(CENSUS.matches("EXISTS").count(), ALL.len());
        assert_eq!(kinds_query(&[false; 21]), None);
        let mut present = [false; 21];
        (present[0], present[8]) = (true, true);
        let two = kinds_query(&present);
        let two = two.unwrap();
        assert!(two.starts_with("SELECT 0::int4") && two.contains("UNION ALL SELECT 8::int4"));
        assert_eq!(two.matches("::int4, q.* FROM").count(), 2);
    }
}
