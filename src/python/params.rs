//! Query parameters: Python values taken apart while the GIL is held ([`Param`]), then
//! encoded in the binary form of the type the server inferred for each `$n` (as asyncpg
//! does), so that `"…"` fits a uuid column and `5` a numeric one. Values are always bound,
//! never spliced into the SQL.

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyBytes, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use sqlx::encode::IsNull;
use sqlx::error::BoxDynError;
use sqlx::postgres::{PgArgumentBuffer, PgArguments, PgTypeInfo};
use sqlx::Arguments;

use super::network::{hstore_binary, inet_binary};
use super::numeric::numeric_binary;
use super::rows::array_element;
use super::temporal::{DateTimeModule, Temporal};

/// A Python value, taken apart.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Param {
    Null,
    Bool(bool),
    /// An int as decimal text: Python ints have no size limit; the target type checks it.
    Int(String),
    Float(f64),
    Decimal(String),
    Str(String),
    Bytes(Vec<u8>),
    Uuid([u8; 16]),
    /// A dict, serialized as JSON, with its pairs when it can also be an hstore (str keys,
    /// str or None values).
    Dict(String, Option<Vec<(String, Option<String>)>>),
    Temporal(Temporal),
    List(Vec<Param>),
    /// A `db.Range`, with its bounds taken apart.
    Range(Box<super::shapes::Bounds<Param>>),
}

impl Param {
    /// Takes a Python value apart.
    pub(super) fn from_python(v: &Bound<'_, PyAny>) -> PyResult<Param> {
        let py = v.py();
        if v.is_none() {
            return Ok(Param::Null);
        }
        if v.is_instance_of::<PyBool>() {
            return Ok(Param::Bool(v.extract()?));
        }
        if v.is_instance_of::<PyInt>() {
            // Most ints fit 64 bits and are written without a Python string in between.
            return Ok(Param::Int(match v.extract::<i64>() {
                Ok(i) => i.to_string(),
                Err(_) => v.str()?.to_string(),
            }));
        }
        if v.is_instance_of::<PyFloat>() {
            return Ok(Param::Float(v.extract()?));
        }
        if v.is_instance_of::<PyString>() {
            return Ok(Param::Str(v.extract()?));
        }
        if let Ok(b) = v.cast::<PyBytes>() {
            return Ok(Param::Bytes(b.as_bytes().to_vec()));
        }
        if v.is_instance_of::<PyList>() || v.is_instance_of::<PyTuple>() {
            let items = v
                .try_iter()?
                .map(|i| Param::from_python(&i?))
                .collect::<PyResult<_>>()?;
            return Ok(Param::List(items));
        }
        if let Ok(d) = v.cast::<PyDict>() {
            let pairs = d
                .iter()
                .map(|(k, v)| Ok((k.extract::<String>()?, v.extract::<Option<String>>()?)))
                .collect::<PyResult<Vec<_>>>()
                .ok();
            return Ok(Param::Dict(json_dumps(v)?, pairs));
        }
        let [decimal, uuid, enum_class, addresses] = classes(py)?;
        // A Decimal itself (not a subclass), without the isinstance tests before it.
        if v.get_type().is(decimal.bind(py)) {
            return Ok(Param::Decimal(v.str()?.to_string()));
        }
        if let Some(t) = DateTimeModule::new(py)?.read(v)? {
            return Ok(Param::Temporal(t));
        }
        if v.is_instance(addresses.bind(py))? {
            return Ok(Param::Str(v.str()?.to_string()));
        }
        if v.is_instance(decimal.bind(py))? {
            return Ok(Param::Decimal(v.str()?.to_string()));
        }
        if v.is_instance(uuid.bind(py))? {
            let b: Vec<u8> = v.getattr("bytes")?.extract()?;
            let bytes: [u8; 16] = b
                .try_into()
                .map_err(|_| PyTypeError::new_err("a UUID is 16 bytes"))?;
            return Ok(Param::Uuid(bytes));
        }
        if let Some(range) = super::shapes::range_of(v)? {
            return Ok(Param::Range(Box::new(range)));
        }
        if let Ok(value) = v.getattr("value") {
            // An enum.Enum member binds as its value.
            if v.is_instance(enum_class.bind(py))? {
                return Param::from_python(&value);
            }
        }
        Err(PyTypeError::new_err(format!(
            "cannot bind a value of type {} as a query parameter",
            v.get_type().name()?
        )))
    }
}

/// `decimal.Decimal`, `uuid.UUID`, `enum.Enum` and the tuple of `ipaddress` classes,
/// looked up once per process.
fn classes(py: Python<'_>) -> PyResult<&[Py<PyAny>; 4]> {
    static CLASSES: PyOnceLock<[Py<PyAny>; 4]> = PyOnceLock::new();
    CLASSES.get_or_try_init(py, || {
        let ipaddress = py.import("ipaddress")?;
        let addresses = [
            "IPv4Address",
            "IPv6Address",
            "IPv4Network",
            "IPv6Network",
            "IPv4Interface",
            "IPv6Interface",
        ]
        .iter()
        .map(|c| ipaddress.getattr(*c))
        .collect::<PyResult<Vec<_>>>()?;
        Ok([
            py.import("decimal")?.getattr("Decimal")?.unbind(),
            py.import("uuid")?.getattr("UUID")?.unbind(),
            py.import("enum")?.getattr("Enum")?.unbind(),
            PyTuple::new(py, addresses)?.into_any().unbind(),
        ])
    })
}

fn json_dumps(v: &Bound<'_, PyAny>) -> PyResult<String> {
    v.py()
        .import("json")?
        .getattr("dumps")?
        .call1((v,))?
        .extract()
}

/// The parameters of one statement, encoded for the types the server gave their `$n`.
/// Errors name the column of each parameter that `labels` gives (else its `$n`).
/// `given` holds values the server has already put in their binary form.
pub(super) fn arguments_for(
    params: &[Param],
    types: &[PgTypeInfo],
    labels: &[String],
    given: &super::text_params::Given,
) -> Result<PgArguments, String> {
    let mut args = PgArguments::default();
    for (i, p) in params.iter().enumerate() {
        let oid = types.get(i).and_then(|t| t.oid()).map_or(0, |o| o.0);
        let hstore = types
            .get(i)
            .is_some_and(|t| sqlx::TypeInfo::name(t) == "hstore");
        let bytes = match p {
            _ if given.contains_key(&i) => given.get(&i).cloned(),
            Param::Null => None,
            Param::Dict(_, Some(pairs)) if hstore => Some(hstore_binary(pairs)),
            p => Some(encode(p, oid).map_err(|e| match labels.get(i) {
                Some(column) => format!("column {column}: {e}"),
                None => format!("parameter ${}: {e}", i + 1),
            })?),
        };
        args.add(Encoded { oid, bytes })
            .map_err(|e| e.to_string())?;
    }
    Ok(args)
}

/// One parameter already in its binary form, bound as a value of type `oid`.
pub(super) fn raw_argument(oid: u32, bytes: Vec<u8>) -> Result<PgArguments, String> {
    let mut args = PgArguments::default();
    args.add(Encoded {
        oid,
        bytes: Some(bytes),
    })
    .map_err(|e| e.to_string())?;
    Ok(args)
}

/// A parameter already in its binary form, bound with its type's id.
struct Encoded {
    oid: u32,
    bytes: Option<Vec<u8>>,
}

impl sqlx::Type<sqlx::Postgres> for Encoded {
    fn type_info() -> PgTypeInfo {
        PgTypeInfo::with_oid(sqlx::postgres::types::Oid(0))
    }
}

impl sqlx::Encode<'_, sqlx::Postgres> for Encoded {
    fn encode_by_ref(&self, buf: &mut PgArgumentBuffer) -> Result<IsNull, BoxDynError> {
        match &self.bytes {
            Some(b) => {
                buf.extend_from_slice(b);
                Ok(IsNull::No)
            }
            None => Ok(IsNull::Yes),
        }
    }

    fn produces(&self) -> Option<PgTypeInfo> {
        Some(PgTypeInfo::with_oid(sqlx::postgres::types::Oid(self.oid)))
    }
}

/// The binary form of `p` as a value of type `oid`.
pub(super) fn encode(p: &Param, oid: u32) -> Result<Vec<u8>, String> {
    if let Some(encoded) = super::shapes::encode(p, oid) {
        return encoded;
    }
    let int = |s: &str, bits: u32| -> Result<i64, String> {
        let v: i128 = s.parse().map_err(|_| format!("{s} is not an integer"))?;
        let max = (1i128 << (bits - 1)) - 1;
        if v > max || v < -max - 1 {
            return Err(format!("{s} is out of range for a {bits}-bit integer"));
        }
        Ok(v as i64)
    };
    Ok(match (oid, p) {
        (16, Param::Bool(b)) => vec![u8::from(*b)],
        (21, Param::Int(s)) => (int(s, 16)? as i16).to_be_bytes().to_vec(),
        (23, Param::Int(s)) => (int(s, 32)? as i32).to_be_bytes().to_vec(),
        (26, Param::Int(s)) => {
            let v = int(s, 33)?;
            u32::try_from(v).map_err(|_| format!("{s} is out of range for an oid"))?.to_be_bytes().to_vec()
        }
        (20, Param::Int(s)) => int(s, 64)?.to_be_bytes().to_vec(),
        (700, Param::Float(f)) => (*f as f32).to_be_bytes().to_vec(),
        (700, Param::Int(s)) => (parse_f64(s)? as f32).to_be_bytes().to_vec(),
        (701, Param::Float(f)) => f.to_be_bytes().to_vec(),
        (701, Param::Int(s)) => parse_f64(s)?.to_be_bytes().to_vec(),
        (1700, Param::Int(s) | Param::Decimal(s) | Param::Str(s)) => numeric_binary(s)?,
        (1700, Param::Float(f)) => numeric_binary(&float_text(*f))?,
        (17, Param::Bytes(b)) => b.clone(),
        (869, Param::Str(s)) => inet_binary(s, false)?,
        (650, Param::Str(s)) => inet_binary(s, true)?,
        (oid, Param::Temporal(t)) if t.encode(oid).is_some() => t.encode(oid).unwrap_or_default(),
        (2950, Param::Uuid(b)) => b.to_vec(),
        (2950, Param::Str(s)) => parse_uuid(s)?.to_vec(),
        (114, p) => json_text(p)?.into_bytes(),
        (3802, p) => {
            let mut b = vec![1];
            b.extend_from_slice(json_text(p)?.as_bytes());
            b
        }
        (oid, Param::List(items)) => match array_element(oid) {
            Some(elem) => super::param_arrays::array_binary(elem, items)?,
            None => return Err(format!("a list does not fit a value of type oid {oid}")),
        },
        // Text and the types that send text: varchar, char, name, enums, citext...
        (25 | 1043 | 1042 | 19 | 0, Param::Str(s)) => s.as_bytes().to_vec(),
        (oid, Param::Str(s)) if oid >= 16384 => s.as_bytes().to_vec(),
        (oid, p) => {
            return Err(format!(
                "a {} does not fit a value of type oid {oid}; cast the parameter in the SQL (for example $1::text)",
                p.kind()
            ))
        }
    })
}

impl Param {
    pub(super) fn kind(&self) -> &'static str {
        match self {
            Param::Null => "None",
            Param::Bool(_) => "bool",
            Param::Int(_) => "int",
            Param::Float(_) => "float",
            Param::Decimal(_) => "Decimal",
            Param::Str(_) => "str",
            Param::Bytes(_) => "bytes",
            Param::Uuid(_) => "UUID",
            Param::Dict(..) => "dict",
            Param::Temporal(t) => t.kind(),
            Param::List(_) => "list",
            Param::Range(_) => "Range",
        }
    }
}

fn parse_f64(s: &str) -> Result<f64, String> {
    s.parse().map_err(|_| format!("{s} is not a number"))
}

fn float_text(f: f64) -> String {
    if f.is_nan() {
        "NaN".into()
    } else if f.is_infinite() {
        if f > 0.0 { "Infinity" } else { "-Infinity" }.into()
    } else {
        format!("{f:?}")
    }
}

/// The JSON text of a parameter for a json or jsonb column: a dict or list serialized, a
/// str taken as a document already.
pub(super) fn json_text(p: &Param) -> Result<String, String> {
    match p {
        Param::Str(s) => Ok(s.clone()),
        p => json_value(p),
    }
}

/// A parameter as a JSON value (a str inside a list is a JSON string).
fn json_value(p: &Param) -> Result<String, String> {
    Ok(match p {
        Param::Dict(s, _) => s.clone(),
        Param::Str(s) => serde_json::to_string(s).map_err(|e| e.to_string())?,
        Param::Int(s) | Param::Decimal(s) => s.clone(),
        Param::Bool(b) => b.to_string(),
        Param::Float(f) if f.is_finite() => format!("{f:?}"),
        Param::Null => "null".into(),
        Param::List(items) => {
            let parts = items
                .iter()
                .map(json_value)
                .collect::<Result<Vec<_>, _>>()?;
            format!("[{}]", parts.join(","))
        }
        other => return Err(format!("a {} is not JSON", other.kind())),
    })
}

fn parse_uuid(s: &str) -> Result<[u8; 16], String> {
    let hex: String = s
        .trim_matches(|c| c == '{' || c == '}')
        .chars()
        .filter(|c| *c != '-')
        .collect();
    if hex.len() != 32 {
        return Err(format!("{s:?} is not a UUID"));
    }
    let mut out = [0u8; 16];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16)
            .map_err(|_| format!("{s:?} is not a UUID"))?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_are_range_checked_for_their_column() {
        assert!(encode(&Param::Int("32768".into()), 21).is_err());
        assert_eq!(
            encode(&Param::Int("-32768".into()), 21).unwrap(),
            vec![0x80, 0]
        );
        assert!(encode(&Param::Int("9223372036854775808".into()), 20).is_err());
    }

    #[test]
    fn uuids_parse_with_or_without_dashes() {
        let a = parse_uuid("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11").unwrap();
        let b = parse_uuid("{a0eebc999c0b4ef8bb6d6bb9bd380a11}").unwrap();
        assert_eq!(a, b);
        assert!(parse_uuid("nope").is_err());
    }
}
