/// The OpenAPI 3 document of the API, served at `/api/v1/openapi.json`.
///
/// It must match the implementation exactly (it is fuzzed against it): change it with the routes,
/// `CaseBodies.swift` and `APIError.swift`, and check it with `scripts/check-openapi`.
enum OpenAPIDocument {
    static let json = #"""
    {
      "openapi": "3.0.3",
      "info": {
        "title": "Retirement one thing",
        "version": "1",
        "description": "Files retirement cases and follows their joint items across agencies. Every /api/v1 call except this document needs Authorization: Bearer <token>. Roles: operator (agency staff, sees everything, registers pre-qualifications), agent (acts for one organisation), individual (a flexible-employment person bound to one resident ID). A record outside the caller's reach is 404. Times are RFC 3339 UTC; dates are YYYY-MM-DD."
      },
      "tags": [
        {
          "name": "prequalifications"
        },
        {
          "name": "cases"
        },
        {
          "name": "meta"
        },
        {
          "name": "operations"
        }
      ],
      "paths": {
        "/api/v1/openapi.json": {
          "get": {
            "operationId": "getOpenAPIDocument",
            "tags": [
              "meta"
            ],
            "summary": "This document",
            "description": "The OpenAPI 3 document of this API. Anyone may fetch it; no token needed.",
            "security": [],
            "responses": {
              "200": {
                "description": "The document.",
                "content": {
                  "application/json": {
                    "schema": {
                      "type": "object"
                    }
                  }
                }
              }
            }
          }
        },
        "/api/v1/prequalifications/{idNumber}": {
          "parameters": [
            {
              "name": "idNumber",
              "in": "path",
              "required": true,
              "description": "The person's 18-character resident ID number.",
              "schema": {
                "type": "string",
                "pattern": "^[0-9]{17}[0-9Xx]$"
              }
            }
          ],
          "get": {
            "operationId": "getPrequalification",
            "tags": [
              "prequalifications"
            ],
            "summary": "Look up a pre-qualification",
            "description": "The pre-qualification of one person. An operator sees any; an agent only those of their organisation; an individual only their own. With name, it is found only when the name matches too. Anything else is 404.",
            "parameters": [
              {
                "name": "name",
                "in": "query",
                "required": false,
                "description": "The person's name; when given it must match (surrounding spaces ignored).",
                "schema": {
                  "type": "string"
                }
              }
            ],
            "security": [
              {
                "bearerAuth": []
              }
            ],
            "responses": {
              "200": {
                "description": "The pre-qualification.",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/Prequalification"
                    }
                  }
                }
              },
              "401": {
                "$ref": "#/components/responses/Unauthorized"
              },
              "404": {
                "$ref": "#/components/responses/NotFound"
              },
              "422": {
                "description": "invalid_id_number: the ID number is not valid.",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/Error"
                    }
                  }
                }
              }
            }
          },
          "put": {
            "operationId": "putPrequalification",
            "tags": [
              "prequalifications"
            ],
            "summary": "Register or replace a pre-qualification",
            "description": "Operators only (the feed from the human-resources system): registers or replaces the person's pre-qualification and answers with it. Agents and individuals get 404.",
            "requestBody": {
              "required": true,
              "content": {
                "application/json": {
                  "schema": {
                    "$ref": "#/components/schemas/PrequalificationInput"
                  }
                }
              }
            },
            "security": [
              {
                "bearerAuth": []
              }
            ],
            "responses": {
              "200": {
                "description": "The stored pre-qualification.",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/Prequalification"
                    }
                  }
                }
              },
              "400": {
                "$ref": "#/components/responses/InvalidJSON"
              },
              "401": {
                "$ref": "#/components/responses/Unauthorized"
              },
              "404": {
                "$ref": "#/components/responses/NotFound"
              },
              "413": {
                "$ref": "#/components/responses/PayloadTooLarge"
              },
              "422": {
                "$ref": "#/components/responses/InvalidInput"
              }
            }
          }
        },
        "/api/v1/cases": {
          "post": {
            "operationId": "fileCase",
            "tags": [
              "cases"
            ],
            "summary": "File a case",
            "description": "Files a retirement case with the joint items chosen. Agents file for people of their organisation; an individual files only for their own ID number; operators cannot file (422). One case in progress per retiree (409 duplicate_case). With Idempotency-Key, the same key and body answer the same case: 201 the first time, 200 after.",
            "parameters": [
              {
                "name": "Idempotency-Key",
                "in": "header",
                "required": false,
                "description": "Makes retries safe: 1 to 200 characters, unique per request you mean.",
                "schema": {
                  "type": "string",
                  "minLength": 1,
                  "maxLength": 200,
                  "pattern": "\\S"
                }
              }
            ],
            "requestBody": {
              "required": true,
              "content": {
                "application/json": {
                  "schema": {
                    "$ref": "#/components/schemas/FilingRequest"
                  }
                }
              }
            },
            "security": [
              {
                "bearerAuth": []
              }
            ],
            "responses": {
              "200": {
                "description": "Replayed: the case an earlier request with this Idempotency-Key made.",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/Case"
                    }
                  }
                }
              },
              "201": {
                "description": "Filed: the new case.",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/Case"
                    }
                  }
                }
              },
              "400": {
                "$ref": "#/components/responses/InvalidJSON"
              },
              "401": {
                "$ref": "#/components/responses/Unauthorized"
              },
              "409": {
                "description": "duplicate_case: the retiree already has a case in progress (caseNo names it).",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/Error"
                    }
                  }
                }
              },
              "413": {
                "$ref": "#/components/responses/PayloadTooLarge"
              },
              "422": {
                "description": "invalid_field, invalid_id_number, prequalification_not_found, too_early (earliestDate says when), household_check_failed, fund_centre_required, bank_account_invalid or bank_holder_mismatch.",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/Error"
                    }
                  }
                }
              }
            }
          },
          "get": {
            "operationId": "listCases",
            "tags": [
              "cases"
            ],
            "summary": "List cases",
            "description": "The caller's cases, newest first, a page at a time: an operator sees all, an agent their organisation's, an individual their own.",
            "parameters": [
              {
                "name": "status",
                "in": "query",
                "required": false,
                "description": "Only cases in this state (empty means any).",
                "schema": {
                  "type": "string",
                  "enum": [
                    "inProgress",
                    "actionRequired",
                    "completed",
                    "closed",
                    ""
                  ]
                }
              },
              {
                "name": "limit",
                "in": "query",
                "required": false,
                "description": "Page size (default 20).",
                "schema": {
                  "type": "integer",
                  "minimum": 1,
                  "maximum": 100,
                  "default": 20
                }
              },
              {
                "name": "cursor",
                "in": "query",
                "required": false,
                "description": "The nextCursor of the previous page (empty means the first page).",
                "schema": {
                  "type": "string",
                  "pattern": "^(c[0-9a-z]{1,15})?$"
                }
              }
            ],
            "security": [
              {
                "bearerAuth": []
              }
            ],
            "responses": {
              "200": {
                "description": "A page of cases.",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/CaseList"
                    }
                  }
                }
              },
              "401": {
                "$ref": "#/components/responses/Unauthorized"
              },
              "422": {
                "$ref": "#/components/responses/InvalidInput"
              }
            }
          }
        },
        "/api/v1/cases/{caseNo}": {
          "parameters": [
            {
              "name": "caseNo",
              "in": "path",
              "required": true,
              "description": "The case number.",
              "schema": {
                "type": "string"
              }
            }
          ],
          "get": {
            "operationId": "getCase",
            "tags": [
              "cases"
            ],
            "summary": "Show a case",
            "description": "One case with its tasks. An operator sees any; an agent their organisation's; an individual their own. Anything else is 404.",
            "parameters": [
              {
                "name": "include",
                "in": "query",
                "required": false,
                "description": "events adds the case's state changes (empty means none).",
                "schema": {
                  "type": "string",
                  "enum": [
                    "events",
                    ""
                  ]
                }
              }
            ],
            "security": [
              {
                "bearerAuth": []
              }
            ],
            "responses": {
              "200": {
                "description": "The case.",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/Case"
                    }
                  }
                }
              },
              "401": {
                "$ref": "#/components/responses/Unauthorized"
              },
              "404": {
                "$ref": "#/components/responses/NotFound"
              },
              "422": {
                "$ref": "#/components/responses/InvalidInput"
              }
            }
          }
        },
        "/healthz": {
          "get": {
            "operationId": "healthz",
            "tags": [
              "operations"
            ],
            "summary": "Liveness",
            "description": "Answers while the process is alive. No token needed.",
            "security": [],
            "responses": {
              "200": {
                "description": "Alive.",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/Health"
                    }
                  }
                }
              }
            }
          }
        },
        "/readyz": {
          "get": {
            "operationId": "readyz",
            "tags": [
              "operations"
            ],
            "summary": "Readiness",
            "description": "Whether PostgreSQL and Redis answer. No token needed.",
            "security": [],
            "responses": {
              "200": {
                "description": "Ready.",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/Readiness"
                    }
                  }
                }
              },
              "503": {
                "description": "PostgreSQL or Redis does not answer; down names which.",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/Readiness"
                    }
                  }
                }
              }
            }
          }
        },
        "/api/v1/cases/{caseNo}/real-name-check": {
          "parameters": [
            {
              "name": "caseNo",
              "in": "path",
              "required": true,
              "description": "The case number.",
              "schema": {
                "type": "string"
              }
            }
          ],
          "post": {
            "operationId": "confirmRealNameCheck",
            "tags": [
              "cases"
            ],
            "summary": "Confirm the real-name check",
            "description": "The retiree (an individual token bound to the case's ID number) confirms they passed the face check; this releases the housing-fund extraction. Anyone else gets 404. 409 real_name_not_required when the case needs none or it is done; 410 real_name_deadline_passed after the deadline (retirement date + 30 days).",
            "security": [
              {
                "bearerAuth": []
              }
            ],
            "requestBody": {
              "required": false,
              "content": {
                "application/json": {
                  "schema": {
                    "$ref": "#/components/schemas/RealNameCheckInput"
                  }
                }
              }
            },
            "responses": {
              "200": {
                "description": "The case, with the check recorded.",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/Case"
                    }
                  }
                }
              },
              "400": {
                "$ref": "#/components/responses/InvalidJSON"
              },
              "401": {
                "$ref": "#/components/responses/Unauthorized"
              },
              "404": {
                "$ref": "#/components/responses/NotFound"
              },
              "409": {
                "description": "real_name_not_required",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/Error"
                    }
                  }
                }
              },
              "410": {
                "description": "real_name_deadline_passed",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/Error"
                    }
                  }
                }
              },
              "413": {
                "$ref": "#/components/responses/PayloadTooLarge"
              },
              "422": {
                "$ref": "#/components/responses/InvalidInput"
              }
            }
          }
        },
        "/api/v1/cases/{caseNo}/tasks/{item}/retrigger": {
          "parameters": [
            {
              "name": "caseNo",
              "in": "path",
              "required": true,
              "description": "The case number.",
              "schema": {
                "type": "string"
              }
            },
            {
              "name": "item",
              "in": "path",
              "required": true,
              "description": "The item, e.g. fund.extraction.",
              "schema": {
                "type": "string"
              }
            }
          ],
          "post": {
            "operationId": "retriggerTask",
            "tags": [
              "cases"
            ],
            "summary": "Retrigger an item",
            "description": "A new attempt: the filer (agent or individual who can see the case) for a failed item, an operator for a failed or dead one. Writes an audit event naming who acted. 409 not_retriggerable otherwise.",
            "security": [
              {
                "bearerAuth": []
              }
            ],
            "responses": {
              "202": {
                "description": "The task, queued again.",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/Task"
                    }
                  }
                }
              },
              "401": {
                "$ref": "#/components/responses/Unauthorized"
              },
              "404": {
                "$ref": "#/components/responses/NotFound"
              },
              "409": {
                "description": "not_retriggerable",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/Error"
                    }
                  }
                }
              }
            }
          }
        },
        "/api/v1/cases/{caseNo}/tasks/{item}/abandon": {
          "parameters": [
            {
              "name": "caseNo",
              "in": "path",
              "required": true,
              "description": "The case number.",
              "schema": {
                "type": "string"
              }
            },
            {
              "name": "item",
              "in": "path",
              "required": true,
              "description": "The item, e.g. fund.extraction.",
              "schema": {
                "type": "string"
              }
            }
          ],
          "post": {
            "operationId": "abandonTask",
            "tags": [
              "cases"
            ],
            "summary": "Give an item up",
            "description": "The filer gives a failed item up; what waited for it is cancelled, and the case closes when nothing else is left. The filer or an operator. 409 not_abandonable otherwise.",
            "security": [
              {
                "bearerAuth": []
              }
            ],
            "responses": {
              "200": {
                "description": "The task, abandoned.",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/Task"
                    }
                  }
                }
              },
              "401": {
                "$ref": "#/components/responses/Unauthorized"
              },
              "404": {
                "$ref": "#/components/responses/NotFound"
              },
              "409": {
                "description": "not_abandonable",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/Error"
                    }
                  }
                }
              }
            }
          }
        }
      },
      "components": {
        "securitySchemes": {
          "bearerAuth": {
            "type": "http",
            "scheme": "bearer",
            "description": "A token made by `dashboard token create`."
          }
        },
        "schemas": {
          "Item": {
            "type": "string",
            "description": "A joint item (task) of a case.",
            "enum": [
              "hr.qualification",
              "hr.deemedYears",
              "social.pensionTransfer",
              "social.benefitApproval",
              "social.benefitPayment",
              "social.insuranceTermination",
              "medical.deemedYears",
              "medical.transfer",
              "fund.seal",
              "fund.extraction"
            ]
          },
          "Agency": {
            "type": "string",
            "description": "The agency that does a task.",
            "enum": [
              "hr",
              "social",
              "medical",
              "fund"
            ]
          },
          "TaskStatus": {
            "type": "string",
            "description": "Where a task stands: blocked (waits for another item), queued, running, succeeded, retrying (transient fault, next attempt scheduled), awaitingConditions (pension chain, re-checked automatically), awaitingRealName, scheduled (waits for a date), failed (filer may retrigger or abandon), dead (transient retries exhausted), cancelled, abandoned.",
            "enum": [
              "blocked",
              "queued",
              "running",
              "succeeded",
              "retrying",
              "awaitingConditions",
              "awaitingRealName",
              "scheduled",
              "failed",
              "dead",
              "cancelled",
              "abandoned"
            ]
          },
          "CaseStatus": {
            "type": "string",
            "description": "inProgress; actionRequired (a task failed or is dead); completed (every task succeeded); closed (nothing left to do, some items did not succeed).",
            "enum": [
              "inProgress",
              "actionRequired",
              "completed",
              "closed"
            ]
          },
          "RetirementCategory": {
            "type": "string",
            "description": "The retirement category human resources decided: male, femaleCadre or femaleWorker.",
            "enum": [
              "male",
              "femaleCadre",
              "femaleWorker"
            ]
          },
          "HousingFundAction": {
            "type": "string",
            "description": "What the housing fund centre is asked to do.",
            "enum": [
              "none",
              "seal",
              "sealAndExtract"
            ]
          },
          "Sex": {
            "type": "string",
            "description": "The sex recorded in the resident ID number.",
            "enum": [
              "male",
              "female"
            ]
          },
          "FilerKind": {
            "type": "string",
            "description": "Who filed the case.",
            "enum": [
              "agent",
              "individual"
            ]
          },
          "Error": {
            "type": "object",
            "description": "The body of every answer that is not 2xx.",
            "required": [
              "error"
            ],
            "properties": {
              "error": {
                "type": "object",
                "required": [
                  "code",
                  "message"
                ],
                "properties": {
                  "code": {
                    "type": "string",
                    "enum": [
                      "invalid_json",
                      "invalid_field",
                      "invalid_id_number",
                      "prequalification_not_found",
                      "too_early",
                      "household_check_failed",
                      "fund_centre_required",
                      "bank_account_invalid",
                      "bank_holder_mismatch",
                      "duplicate_case",
                      "not_retriggerable",
                      "not_abandonable",
                      "real_name_not_required",
                      "real_name_deadline_passed",
                      "unauthorized",
                      "not_found",
                      "payload_too_large",
                      "rate_limited"
                    ],
                    "description": "invalid_json 400; invalid_field, invalid_id_number, prequalification_not_found, too_early, household_check_failed, fund_centre_required, bank_account_invalid, bank_holder_mismatch 422; duplicate_case, not_retriggerable, not_abandonable, real_name_not_required 409; real_name_deadline_passed 410; unauthorized 401; not_found 404; payload_too_large 413; rate_limited 429."
                  },
                  "message": {
                    "type": "string",
                    "description": "Plain language a filer can act on; never holds a full ID or account number."
                  },
                  "field": {
                    "type": "string",
                    "description": "The input at fault, when it is one input (e.g. retiree.idNumber, limit)."
                  },
                  "earliestDate": {
                    "type": "string",
                    "format": "date",
                    "example": "2025-07-15",
                    "description": "With too_early: the first day the case may be filed."
                  },
                  "caseNo": {
                    "type": "string",
                    "description": "With duplicate_case: the retiree's case in progress."
                  }
                },
                "additionalProperties": false
              }
            },
            "additionalProperties": false
          },
          "Prequalification": {
            "type": "object",
            "description": "A retirement pre-qualification as the API shows it (ID number masked).",
            "required": [
              "name",
              "idNumber",
              "sex",
              "birthDate",
              "category",
              "retirementDate",
              "earliestFilingDate",
              "organisation",
              "passed",
              "contributionMonths",
              "deemedMonths",
              "medicalContributionMonths",
              "fundAccountFrozen",
              "householdRegistered",
              "onlyChildParent"
            ],
            "properties": {
              "name": {
                "type": "string"
              },
              "idNumber": {
                "type": "string",
                "description": "Masked: first 6 and last 4 characters.",
                "example": "220102********0036"
              },
              "sex": {
                "$ref": "#/components/schemas/Sex"
              },
              "birthDate": {
                "type": "string",
                "format": "date",
                "example": "2025-07-15"
              },
              "category": {
                "$ref": "#/components/schemas/RetirementCategory"
              },
              "retirementDate": {
                "type": "string",
                "format": "date",
                "example": "2025-07-15"
              },
              "earliestFilingDate": {
                "type": "string",
                "format": "date",
                "example": "2025-07-15",
                "description": "One month before the retirement date."
              },
              "organisation": {
                "type": "string",
                "description": "The organisation (employer, group or archive institution) the person belongs to."
              },
              "passed": {
                "type": "boolean"
              },
              "contributionMonths": {
                "type": "integer",
                "minimum": 0
              },
              "deemedMonths": {
                "type": "integer",
                "minimum": 0
              },
              "medicalContributionMonths": {
                "type": "integer",
                "minimum": 0
              },
              "fundCentre": {
                "type": "string",
                "description": "Absent when none was registered."
              },
              "fundAccountFrozen": {
                "type": "boolean"
              },
              "householdRegistered": {
                "type": "boolean"
              },
              "onlyChildParent": {
                "type": "boolean"
              }
            },
            "additionalProperties": false
          },
          "PrequalificationInput": {
            "type": "object",
            "description": "The body of PUT /api/v1/prequalifications/{idNumber}. Unknown properties are ignored.",
            "required": [
              "name",
              "category",
              "organisation",
              "passed",
              "contributionMonths",
              "deemedMonths",
              "medicalContributionMonths"
            ],
            "properties": {
              "name": {
                "type": "string",
                "minLength": 1,
                "maxLength": 64,
                "pattern": "\\S",
                "description": "As on the ID card; 1 to 64 characters once trimmed."
              },
              "category": {
                "$ref": "#/components/schemas/RetirementCategory"
              },
              "organisation": {
                "type": "string",
                "minLength": 1,
                "maxLength": 64,
                "pattern": "\\S",
                "description": "The organisation the person belongs to; 1 to 64 characters once trimmed."
              },
              "passed": {
                "type": "boolean",
                "description": "Whether the pre-check passed; without a passed record nothing can be filed."
              },
              "contributionMonths": {
                "type": "integer",
                "minimum": 0,
                "maximum": 1200
              },
              "deemedMonths": {
                "type": "integer",
                "minimum": 0,
                "maximum": 1200
              },
              "medicalContributionMonths": {
                "type": "integer",
                "minimum": 0,
                "maximum": 1200
              },
              "fundCentre": {
                "type": "string",
                "maxLength": 64,
                "nullable": true
              },
              "fundAccountFrozen": {
                "type": "boolean",
                "description": "Default false.",
                "nullable": true
              },
              "householdRegistered": {
                "type": "boolean",
                "description": "Default true; false makes filing fail with household_check_failed.",
                "nullable": true
              },
              "onlyChildParent": {
                "type": "boolean",
                "description": "Default false.",
                "nullable": true
              }
            }
          },
          "FilingRequest": {
            "type": "object",
            "description": "The body of POST /api/v1/cases. Unknown properties are ignored.",
            "required": [
              "retiree"
            ],
            "properties": {
              "retiree": {
                "type": "object",
                "required": [
                  "name",
                  "idNumber"
                ],
                "properties": {
                  "name": {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": 64,
                    "pattern": "\\S",
                    "description": "As on the ID card and in the pre-qualification; 1 to 64 characters once trimmed."
                  },
                  "idNumber": {
                    "type": "string",
                    "pattern": "^\\s*[0-9]{17}[0-9Xx]\\s*$",
                    "description": "The 18-character resident ID number (valid birth date and check character; surrounding white space is ignored). An individual may file only for their own."
                  }
                }
              },
              "pensionBenefit": {
                "type": "boolean",
                "description": "Claim the pension benefit. Default false.",
                "nullable": true
              },
              "medicalTransfer": {
                "type": "boolean",
                "description": "Medical insurance in-service to retired. Default false.",
                "nullable": true
              },
              "housingFund": {
                "type": "object",
                "description": "Absent or null means action none.",
                "required": [
                  "action"
                ],
                "properties": {
                  "action": {
                    "$ref": "#/components/schemas/HousingFundAction"
                  },
                  "centre": {
                    "type": "string",
                    "description": "The housing fund centre; required (1 to 64 characters once trimmed) unless action is none, when it is ignored.",
                    "nullable": true
                  }
                },
                "nullable": true
              },
              "bankAccount": {
                "type": "object",
                "description": "The retiree's own account: required for, and only for, sealAndExtract.",
                "required": [
                  "bank",
                  "accountNumber",
                  "holderName"
                ],
                "properties": {
                  "bank": {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": 64,
                    "pattern": "\\S",
                    "description": "The bank's name."
                  },
                  "accountNumber": {
                    "type": "string",
                    "pattern": "^( *[0-9]){16,19} *$",
                    "description": "16 to 19 digits (spaces are removed). A failing Luhn check is only a warning."
                  },
                  "holderName": {
                    "type": "string",
                    "description": "Must be the retiree's name."
                  }
                },
                "nullable": true
              }
            }
          },
          "Task": {
            "type": "object",
            "description": "One joint item of a case.",
            "required": [
              "item",
              "agency",
              "status",
              "attempts",
              "dueBy",
              "overdue",
              "nextAttemptAt",
              "lastError",
              "updatedAt"
            ],
            "properties": {
              "item": {
                "$ref": "#/components/schemas/Item"
              },
              "agency": {
                "$ref": "#/components/schemas/Agency"
              },
              "status": {
                "$ref": "#/components/schemas/TaskStatus"
              },
              "attempts": {
                "type": "integer",
                "minimum": 0
              },
              "dueBy": {
                "type": "string",
                "format": "date-time",
                "example": "2025-06-20T02:30:00Z",
                "description": "The time limit of the current step, when one runs.",
                "nullable": true
              },
              "overdue": {
                "type": "boolean",
                "description": "Past its time limit (dueBy) and not finished."
              },
              "nextAttemptAt": {
                "type": "string",
                "format": "date-time",
                "example": "2025-06-20T02:30:00Z",
                "nullable": true
              },
              "lastError": {
                "type": "string",
                "nullable": true
              },
              "updatedAt": {
                "type": "string",
                "format": "date-time",
                "example": "2025-06-20T02:30:00Z"
              }
            },
            "additionalProperties": false
          },
          "Event": {
            "type": "object",
            "description": "One state change of a task.",
            "required": [
              "at",
              "item",
              "from",
              "to",
              "attempt",
              "actor",
              "detail"
            ],
            "properties": {
              "at": {
                "type": "string",
                "format": "date-time",
                "example": "2025-06-20T02:30:00Z"
              },
              "item": {
                "type": "string",
                "enum": [
                  "hr.qualification",
                  "hr.deemedYears",
                  "social.pensionTransfer",
                  "social.benefitApproval",
                  "social.benefitPayment",
                  "social.insuranceTermination",
                  "medical.deemedYears",
                  "medical.transfer",
                  "fund.seal",
                  "fund.extraction",
                  null
                ],
                "nullable": true
              },
              "from": {
                "type": "string",
                "description": "The task status before (null when the task was created).",
                "nullable": true
              },
              "to": {
                "type": "string",
                "description": "The task status after."
              },
              "attempt": {
                "type": "integer",
                "nullable": true
              },
              "actor": {
                "type": "string",
                "description": "Who made the change, e.g. agent:NAME or a worker."
              },
              "detail": {
                "type": "string",
                "nullable": true
              }
            },
            "additionalProperties": false
          },
          "Notice": {
            "type": "object",
            "description": "Something an agency tells the filer at submission.",
            "required": [
              "agency",
              "text"
            ],
            "properties": {
              "agency": {
                "type": "string",
                "enum": [
                  "police",
                  "health"
                ]
              },
              "text": {
                "type": "string"
              }
            },
            "additionalProperties": false
          },
          "Case": {
            "type": "object",
            "description": "A case with its tasks; ID and account numbers are masked.",
            "required": [
              "caseNo",
              "status",
              "filedAt",
              "filedBy",
              "organisation",
              "retiree",
              "retirementDate",
              "pensionBenefit",
              "medicalTransfer",
              "housingFund",
              "bankAccount",
              "realNameCheck",
              "notices",
              "tasks",
              "overdue"
            ],
            "properties": {
              "caseNo": {
                "type": "string",
                "example": "RT2025062000000001"
              },
              "status": {
                "$ref": "#/components/schemas/CaseStatus"
              },
              "filedAt": {
                "type": "string",
                "format": "date-time",
                "example": "2025-06-20T02:30:00Z"
              },
              "filedBy": {
                "$ref": "#/components/schemas/FilerKind"
              },
              "organisation": {
                "type": "string",
                "description": "The organisation the case belongs to.",
                "nullable": true
              },
              "retiree": {
                "type": "object",
                "required": [
                  "name",
                  "idNumber",
                  "sex",
                  "birthDate",
                  "category"
                ],
                "properties": {
                  "name": {
                    "type": "string"
                  },
                  "idNumber": {
                    "type": "string",
                    "description": "Masked.",
                    "example": "220102********0036"
                  },
                  "sex": {
                    "$ref": "#/components/schemas/Sex"
                  },
                  "birthDate": {
                    "type": "string",
                    "format": "date",
                    "example": "2025-07-15"
                  },
                  "category": {
                    "$ref": "#/components/schemas/RetirementCategory"
                  }
                },
                "additionalProperties": false
              },
              "retirementDate": {
                "type": "string",
                "format": "date",
                "example": "2025-07-15"
              },
              "pensionBenefit": {
                "type": "boolean"
              },
              "medicalTransfer": {
                "type": "boolean"
              },
              "housingFund": {
                "type": "object",
                "required": [
                  "action",
                  "centre"
                ],
                "properties": {
                  "action": {
                    "$ref": "#/components/schemas/HousingFundAction"
                  },
                  "centre": {
                    "type": "string",
                    "nullable": true
                  }
                },
                "additionalProperties": false
              },
              "bankAccount": {
                "type": "object",
                "required": [
                  "bank",
                  "accountNumber",
                  "holderName"
                ],
                "properties": {
                  "bank": {
                    "type": "string"
                  },
                  "accountNumber": {
                    "type": "string",
                    "description": "Masked: only the last four digits show."
                  },
                  "holderName": {
                    "type": "string"
                  }
                },
                "additionalProperties": false,
                "nullable": true
              },
              "realNameCheck": {
                "type": "object",
                "required": [
                  "required",
                  "deadline",
                  "doneAt"
                ],
                "properties": {
                  "required": {
                    "type": "boolean",
                    "description": "Whether the retiree must pass the face check before fund extraction."
                  },
                  "deadline": {
                    "type": "string",
                    "format": "date",
                    "example": "2025-07-15",
                    "nullable": true
                  },
                  "doneAt": {
                    "type": "string",
                    "format": "date-time",
                    "example": "2025-06-20T02:30:00Z",
                    "nullable": true
                  }
                },
                "additionalProperties": false
              },
              "notices": {
                "type": "array",
                "items": {
                  "$ref": "#/components/schemas/Notice"
                }
              },
              "tasks": {
                "type": "array",
                "items": {
                  "$ref": "#/components/schemas/Task"
                }
              },
              "events": {
                "type": "array",
                "items": {
                  "$ref": "#/components/schemas/Event"
                },
                "description": "Only with ?include=events: every state change, oldest first."
              },
              "warnings": {
                "type": "array",
                "items": {
                  "type": "string"
                },
                "description": "Only in the answer to POST /api/v1/cases: things to re-check (e.g. the card check digit)."
              },
              "overdue": {
                "type": "boolean",
                "description": "Some unfinished task is past its time limit."
              }
            },
            "additionalProperties": false
          },
          "CaseSummary": {
            "type": "object",
            "description": "A line of the case list.",
            "required": [
              "caseNo",
              "status",
              "filedAt",
              "filedBy",
              "retiree",
              "retirementDate"
            ],
            "properties": {
              "caseNo": {
                "type": "string"
              },
              "status": {
                "$ref": "#/components/schemas/CaseStatus"
              },
              "filedAt": {
                "type": "string",
                "format": "date-time",
                "example": "2025-06-20T02:30:00Z"
              },
              "filedBy": {
                "$ref": "#/components/schemas/FilerKind"
              },
              "retiree": {
                "type": "object",
                "required": [
                  "name",
                  "idNumber"
                ],
                "properties": {
                  "name": {
                    "type": "string"
                  },
                  "idNumber": {
                    "type": "string",
                    "description": "Masked."
                  }
                },
                "additionalProperties": false
              },
              "retirementDate": {
                "type": "string",
                "format": "date",
                "example": "2025-07-15"
              }
            },
            "additionalProperties": false
          },
          "CaseList": {
            "type": "object",
            "required": [
              "cases",
              "nextCursor"
            ],
            "properties": {
              "cases": {
                "type": "array",
                "items": {
                  "$ref": "#/components/schemas/CaseSummary"
                }
              },
              "nextCursor": {
                "type": "string",
                "description": "Pass as cursor for the next page; null on the last page.",
                "nullable": true
              }
            },
            "additionalProperties": false
          },
          "Health": {
            "type": "object",
            "required": [
              "status"
            ],
            "properties": {
              "status": {
                "type": "string",
                "enum": [
                  "ok"
                ]
              }
            },
            "additionalProperties": false
          },
          "Readiness": {
            "type": "object",
            "required": [
              "status",
              "postgres",
              "redis",
              "down"
            ],
            "properties": {
              "status": {
                "type": "string",
                "enum": [
                  "ready",
                  "unavailable"
                ]
              },
              "postgres": {
                "type": "string",
                "enum": [
                  "up",
                  "down"
                ]
              },
              "redis": {
                "type": "string",
                "enum": [
                  "up",
                  "down"
                ]
              },
              "down": {
                "type": "array",
                "items": {
                  "type": "string",
                  "enum": [
                    "postgres",
                    "redis"
                  ]
                }
              }
            },
            "additionalProperties": false
          },
          "RealNameCheckInput": {
            "type": "object",
            "description": "Optional: when the check was passed (defaults to now).",
            "properties": {
              "verifiedAt": {
                "type": "string",
                "format": "date-time",
                "example": "2025-08-01T09:30:00Z"
              }
            },
            "additionalProperties": false
          }
        },
        "responses": {
          "InvalidJSON": {
            "description": "invalid_json: the body is not JSON (or a number in it is out of range).",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "Unauthorized": {
            "description": "unauthorized: the bearer token is missing, not valid or revoked.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            },
            "headers": {
              "WWW-Authenticate": {
                "description": "Bearer",
                "schema": {
                  "type": "string"
                }
              }
            }
          },
          "NotFound": {
            "description": "not_found: no such record, or it is not within the caller's reach.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "PayloadTooLarge": {
            "description": "payload_too_large: the body is larger than 64 KiB.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "InvalidInput": {
            "description": "invalid_field or invalid_id_number: an input is not acceptable; field names it.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          }
        }
      }
    }
    """#
}
