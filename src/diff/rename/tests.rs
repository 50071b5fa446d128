//! Rename candidates: which pairs count as evidence and which do not.

use super::*;

#[test]
fn column_candidates_need_more_than_a_type() {
    let column = |name: &str| Column {
        name: name.into(),
        data_type: "text".into(),
        not_null: false,
        default: None,
        identity: None,
        generated: None,
        collation: None,
        comment: None,
    };
    let table = |cols: &[&str]| Table {
        name: QualifiedName::new("public", "users"),
        columns: cols.iter().map(|c| column(c)).collect(),
        constraints: Vec::new(),
        indexes: Vec::new(),
        triggers: Vec::new(),
        policies: Vec::new(),
        persistence: Default::default(),
        storage: Vec::new(),
        access_method: None,
        partition_by: None,
        partition_of: None,
        inherits: Vec::new(),
        row_security: false,
        force_row_security: false,
        comment: None,
    };
    let pairs = |from: &[&str], to: &[&str], dropped: &str, added: &[&str]| {
        let (f, t) = (table(from), table(to));
        let d = f.columns.iter().find(|c| c.name == dropped).unwrap();
        let a: Vec<&Column> = t
            .columns
            .iter()
            .filter(|c| added.contains(&c.name.as_str()))
            .collect();
        column_candidates(&f, &t, &[d], &a)
            .into_iter()
            .map(|c| c.to)
            .collect::<Vec<_>>()
    };
    // The same type alone is no evidence.
    assert!(pairs(
        &["id", "email", "creation_ip"],
        &["id", "company", "email", "notes"],
        "creation_ip",
        &["notes", "company"]
    )
    .is_empty());
    // A word in common, a close spelling, or the same place is.
    assert_eq!(
        pairs(
            &["id", "name"],
            &["id", "full_name", "age"],
            "name",
            &["age", "full_name"]
        ),
        ["full_name"]
    );
    assert_eq!(
        pairs(
            &["id", "adress"],
            &["id", "address"],
            "adress",
            &["address"]
        ),
        ["address"]
    );
    assert_eq!(
        pairs(&["id", "a", "b"], &["id", "x", "b"], "a", &["x"]),
        ["x"]
    );
}

#[test]
fn parses_hints_with_quotes() {
    let r = Renames::parse(&["public.users.name=full_name", "\"My S\".\"a.b\"=c"]).unwrap();
    assert_eq!(
        r.columns[0],
        (
            QualifiedName::new("public", "users"),
            "name".into(),
            "full_name".into()
        )
    );
    assert_eq!(r.tables[0], (QualifiedName::new("My S", "a.b"), "c".into()));
    assert!(Renames::parse(&["users=people"]).is_err());
    assert!(Renames::parse(&["public.users"]).is_err());
}
