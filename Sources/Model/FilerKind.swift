/// Who filed a case: an employer's agent, or the flexible-employment person themself.
///
/// The raw values are the API's `filedBy` strings.
public enum FilerKind: String, Sendable, Hashable, Codable, CaseIterable {
    /// An agent of an employer (or group) filing for an employee.
    case agent
    /// A flexible-employment person filing for themself.
    case individual
}

/// Who may file a case for a person (DOMAIN.md, "Who files, read closely"; the guide's 经办主体:
/// "单位职工退休'一件事'业务由用人单位发起，解除劳动关系的灵活就业人员退休'一件事'业务由退休人员本人发起").
///
/// - An employer's or group's agent files for the people whose pre-qualification their organisation passed.
/// - A person files for themself only when their pre-qualification belongs to an archive institution
///   (they are a flexible-employment person); an employee's case is the employer's to file.
/// - An archive institution's agent only passed the pre-check: it reads, never files.
public enum WhoFiles {
    /// Why a filer may not file this case.
    public enum Refusal: Sendable, Hashable {
        /// An archive institution's agent: the person files for themself.
        case archiveAgent
        /// An individual whose pre-qualification an employer or group passed: the employer files.
        case employeeFilesAlone
    }

    /// Whether an agent acting for `kind` may file at all (before any pre-qualification is read).
    public static func agentMayFile(_ kind: OrganisationKind) -> Refusal? {
        kind == .archive ? .archiveAgent : nil
    }

    /// Whether an individual may file for themself, given the kind of the organisation that passed
    /// their pre-qualification.
    public static func individualMayFile(prequalifiedBy kind: OrganisationKind) -> Refusal? {
        kind == .archive ? nil : .employeeFilesAlone
    }
}
