/**
 * The GraphQL read API: tickets, records and their relations. Every field is resolved through the
 * ticket and record services with the caller's access, so it shows exactly what REST shows.
 */
export const SCHEMA = /* GraphQL */ `
  "Any JSON value: form data, filter values, step views."
  scalar JSON

  type Query {
    "The signed-in caller."
    me: Me!
    "One ticket, or null when it does not exist or is outside the caller's data scope."
    ticket(id: ID!): Ticket
    "Tickets in the caller's data scope, a page at a time (first ≤ 100; pass pageInfo.endCursor as after)."
    tickets(
      type: String
      view: TicketView
      statusCategory: [String!]
      search: String
      filters: [TicketFilterInput!]
      sort: SortInput
      first: Int = 20
      after: String
    ): TicketConnection!
    "One record of a record type, or null."
    record(type: String!, id: ID!): Record
    records(type: String!, search: String, filters: [RecordFilterInput!], first: Int = 20, after: String): RecordConnection!
  }

  type Me {
    id: ID!
    tenantId: ID!
    email: String!
    name: String!
    roles: [String!]!
    teams: [String!]!
    orgUnits: [String!]!
    admin: Boolean!
    "Granted resource:action pairs, e.g. ticket:read."
    permissions: [String!]!
  }

  enum TicketView {
    mine
    team
    unassigned
    overdue
    all
    participating
  }

  enum FilterOp {
    eq
    ne
    in
    lt
    lte
    gt
    gte
    contains
    isNull
  }

  enum SortDirection {
    asc
    desc
  }

  "field: a system column (status, priority, createdAt…) or data.<field key> (needs type)."
  input TicketFilterInput {
    field: String!
    op: FilterOp!
    value: JSON
  }

  input RecordFilterInput {
    field: String!
    op: FilterOp!
    value: JSON
  }

  input SortInput {
    field: String!
    direction: SortDirection = asc
  }

  type PageInfo {
    hasNextPage: Boolean!
    endCursor: String
  }

  type TicketConnection {
    nodes: [Ticket!]!
    pageInfo: PageInfo!
  }

  type RecordConnection {
    nodes: [Record!]!
    pageInfo: PageInfo!
  }

  type Ticket {
    id: ID!
    number: String
    type: String!
    title: String
    description: String
    status: String!
    statusCategory: String!
    priority: String
    assignee: String
    registrant: String
    team: String
    orgUnit: String
    channel: String
    createdAt: String!
    updatedAt: String!
    dueAt: String
    closedAt: String
    version: Int!
    "Form values the caller may see (hidden fields removed, sensitive ones masked without permission)."
    data: JSON!
    components: JSON!
    customer: Record
    product: Record
    parent: Ticket
    children: [Ticket!]!
    comments: [Comment!]!
    participants: [Participant!]!
    "Current steps with the actions this caller may take."
    steps: JSON!
  }

  type Record {
    id: ID!
    type: String!
    number: String
    title: String
    data: JSON!
    createdAt: String!
    updatedAt: String!
  }

  type Comment {
    id: ID!
    author: String!
    body: String!
    visibility: String!
    createdAt: String!
  }

  type Participant {
    userId: String!
    role: String!
  }
`;

/** Lists and their assumed sizes for the cost limit when no `first` bounds them. */
export const LIST_FIELDS: Record<string, number> = {
  tickets: 20,
  records: 20,
  children: 20,
  comments: 50,
  participants: 20,
};
