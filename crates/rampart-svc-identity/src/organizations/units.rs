//! Organizational units and the tree: CreateOrganizationalUnit, DescribeOrganizationalUnit,
//! UpdateOrganizationalUnit, DeleteOrganizationalUnit, ListOrganizationalUnitsForParent,
//! ListChildren and ListParents.

use super::common::{
    Need, check_caller, empty, need, page, parent_id, read_org, sized, tags, target_id, unit_id,
};
use super::errors::{
    child_not_found, constraint, error, invalid, parent_not_found, unit_not_found,
};
use super::model::{
    Arns, Change, LOWER_ALNUM, MAX_OU_DEPTH, Node, Org, Unit, existing, new_id, update,
};
use rampart_protocol::AwsError;
use rampart_service::{Call, Registry};
use serde_json::{Value, json};

/// Most OUs in an organization.
const MAX_UNITS: usize = 1_000;

/// Registers the operations of this module.
pub(super) fn register(registry: &mut Registry) {
    registry.register("organizations", "CreateOrganizationalUnit", false, create);
    registry.register(
        "organizations",
        "DescribeOrganizationalUnit",
        true,
        describe,
    );
    registry.register("organizations", "UpdateOrganizationalUnit", false, rename);
    registry.register("organizations", "DeleteOrganizationalUnit", false, delete);
    registry.register(
        "organizations",
        "ListOrganizationalUnitsForParent",
        true,
        list_for_parent,
    );
    registry.register("organizations", "ListChildren", true, list_children);
    registry.register("organizations", "ListParents", true, list_parents);
}

/// The model's `OrganizationalUnit`.
pub(super) fn unit_output(call: &Call<'_>, org: &Org, id: &str, unit: &Unit) -> Value {
    let arns = Arns {
        partition: call.env.partition,
        org,
    };
    json!({
        "Id": id,
        "Arn": arns.node(id),
        "Name": unit.name,
        "Path": org.container_path(id),
    })
}

/// The container (root or OU) `id` of `org`, or `ParentNotFoundException`.
fn check_parent(org: &Org, id: &str) -> Result<(), AwsError> {
    match org.node(id) {
        Some(Node::Root | Node::Unit) => Ok(()),
        _ => Err(parent_not_found()),
    }
}

fn duplicate() -> AwsError {
    error(
        "DuplicateOrganizationalUnitException",
        "An OU with the same name already exists.",
    )
}

fn name_taken(org: &Org, parent: &str, name: &str, except: Option<&str>) -> bool {
    org.units
        .iter()
        .any(|(id, u)| u.parent == parent && u.name == name && Some(id.as_str()) != except)
}

fn create(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let parent = parent_id(&input, "ParentId")?.to_owned();
    let name = sized(&input, "Name", 1, 128)?
        .ok_or_else(|| super::errors::required("Name"))?
        .to_owned();
    let new_tags = tags(&input)?;
    let (org, id) = update(call.env, |current| {
        let org = existing(current)?;
        check_caller(org, call, Need::Management)?;
        check_parent(org, &parent)?;
        if org.depth(&parent) + 1 > MAX_OU_DEPTH {
            return Err(constraint(
                "OU_DEPTH_LIMIT_EXCEEDED",
                "You attempted to create an OU tree that is too many levels deep.",
            ));
        }
        if org.units.len() >= MAX_UNITS {
            return Err(constraint(
                "OU_NUMBER_LIMIT_EXCEEDED",
                "You attempted to exceed the number of OUs that you can have in an organization.",
            ));
        }
        if name_taken(org, &parent, &name, None) {
            return Err(duplicate());
        }
        let suffix = org.root.trim_start_matches("r-").to_owned();
        let id = new_id(&format!("ou-{suffix}-"), LOWER_ALNUM, 8)?;
        org.units.insert(
            id.clone(),
            Unit {
                name: name.clone(),
                parent: parent.clone(),
            },
        );
        org.attach_defaults(&id);
        if !new_tags.is_empty() {
            org.tags.insert(id.clone(), new_tags.clone());
        }
        Ok((None, Change::of((org.clone(), id))))
    })?;
    let unit = &org.units[&id];
    Ok(json!({ "OrganizationalUnit": unit_output(call, &org, &id, unit) }))
}

fn describe(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let id = unit_id(&input, "OrganizationalUnitId")?;
    let org = read_org(call, Need::Read)?;
    let unit = org.units.get(id).ok_or_else(unit_not_found)?;
    Ok(json!({ "OrganizationalUnit": unit_output(call, &org, id, unit) }))
}

fn rename(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let id = unit_id(&input, "OrganizationalUnitId")?.to_owned();
    let name = sized(&input, "Name", 1, 128)?.map(str::to_owned);
    let org = update(call.env, |current| {
        let org = existing(current)?;
        check_caller(org, call, Need::Management)?;
        let parent = org
            .units
            .get(&id)
            .ok_or_else(unit_not_found)?
            .parent
            .clone();
        if let Some(name) = &name {
            if name_taken(org, &parent, name, Some(&id)) {
                return Err(duplicate());
            }
            if let Some(unit) = org.units.get_mut(&id) {
                unit.name = name.clone();
            }
        }
        Ok((None, Change::of(org.clone())))
    })?;
    let unit = &org.units[&id];
    Ok(json!({ "OrganizationalUnit": unit_output(call, &org, &id, unit) }))
}

fn delete(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let id = unit_id(&input, "OrganizationalUnitId")?.to_owned();
    update(call.env, |current| {
        let org = existing(current)?;
        check_caller(org, call, Need::Management)?;
        if !org.units.contains_key(&id) {
            return Err(unit_not_found());
        }
        let occupied = org.units.values().any(|u| u.parent == id)
            || org.accounts.values().any(|a| a.parent == id);
        if occupied {
            return Err(error(
                "OrganizationalUnitNotEmptyException",
                "The specified OU is not empty. Move all accounts to another root or to other OUs, remove all child OUs, and try the operation again.",
            ));
        }
        org.units.remove(&id);
        org.forget(&id);
        Ok((None, Change::of(())))
    })?;
    Ok(empty())
}

/// The OUs directly under `parent`.
fn units_under<'o>(org: &'o Org, parent: &'o str) -> impl Iterator<Item = (&'o String, &'o Unit)> {
    org.units.iter().filter(move |(_, u)| u.parent == parent)
}

fn list_for_parent(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let parent = parent_id(&input, "ParentId")?;
    let org = read_org(call, Need::Read)?;
    check_parent(&org, parent)?;
    let items = units_under(&org, parent)
        .map(|(id, u)| unit_output(call, &org, id, u))
        .collect();
    page(&input, "OrganizationalUnits", items)
}

fn list_children(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let parent = parent_id(&input, "ParentId")?;
    let child_type = need(&input, "ChildType")?;
    let org = read_org(call, Need::Read)?;
    check_parent(&org, parent)?;
    let ids: Vec<&String> = match child_type {
        "ORGANIZATIONAL_UNIT" => units_under(&org, parent).map(|(id, _)| id).collect(),
        "ACCOUNT" => org
            .accounts
            .iter()
            .filter(|(_, a)| a.parent == parent)
            .map(|(id, _)| id)
            .collect(),
        other => {
            return Err(invalid(
                "INVALID_ENUM",
                format!("You specified an invalid value for ChildType: {other}"),
            ));
        }
    };
    let items = ids
        .into_iter()
        .map(|id| json!({"Id": id, "Type": child_type}))
        .collect();
    page(&input, "Children", items)
}

fn list_parents(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let child = target_id(&input, "ChildId")?;
    let org = read_org(call, Need::Read)?;
    let parent = match org.node(child) {
        Some(Node::Unit | Node::Account) => org.parent_of(child).unwrap_or_default(),
        _ => return Err(child_not_found()),
    };
    let kind = match org.node(parent) {
        Some(Node::Root) => "ROOT",
        _ => "ORGANIZATIONAL_UNIT",
    };
    page(&input, "Parents", vec![json!({"Id": parent, "Type": kind})])
}
