import Model

/// The agencies simulated from the pre-qualification data, so the whole system runs with no outside system.
public struct SimulatedAgencies: AgencyGateway {
    public init() {}

    public func checkHousehold(_ prequalification: Prequalification) async throws -> HouseholdCheck {
        prequalification.householdRegistered
            ? .registered
            : .notRegistered(reason: "The public-security household check could not confirm the retiree's household registration. Ask the retiree to check it with the local police station, then file again.")
    }

    public func healthNotice(_ prequalification: Prequalification) async throws -> Notice {
        let general = "城镇独生子女父母奖励：符合条件的退休人员可申领一次性奖励，请向户籍所在地卫生健康部门咨询办理。"
            + " Urban only-child parents may claim a one-off reward at retirement; ask the local health commission how to apply."
        let applies = " 预审信息显示该退休人员为独生子女父母，本奖励适用。 The pre-qualification shows the retiree is an only-child parent: this reward applies."
        return Notice(agency: NoticeAgency.health.rawValue, text: prequalification.onlyChildParent ? general + applies : general)
    }
}
