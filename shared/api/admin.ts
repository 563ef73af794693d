import { z } from 'zod';
import { EmailAddress, PrintableName, IsoDateTime, MethodType, PasswordInput, PhoneNumber, Username } from './common.js';

export const GroupName = PrintableName;

export const CreateUserRequest = z.strictObject({
  username: Username,
  password: PasswordInput,
  displayName: z.string().trim().min(1).max(256),
  email: EmailAddress.optional(),
  isAdmin: z.boolean().optional(),
  groups: z.array(GroupName).max(100).optional(),
});
export type CreateUserRequest = z.infer<typeof CreateUserRequest>;

export const PatchUserRequest = z.strictObject({
  displayName: z.string().trim().min(1).max(256).optional(),
  email: EmailAddress.nullable().optional(),
  isAdmin: z.boolean().optional(),
  disabled: z.boolean().optional(),
  groups: z.array(GroupName).max(100).optional(),
  /** An administrator's reset; the user must change it at next sign-in. */
  password: PasswordInput.optional(),
  mustChangePassword: z.boolean().optional(),
  /** Clears the directory lockout and the SSPR lockout counters. */
  unlock: z.literal(true).optional(),
});
export type PatchUserRequest = z.infer<typeof PatchUserRequest>;

export const AdminUser = z.object({
  username: z.string(),
  displayName: z.string(),
  email: z.string().nullable(),
  isAdmin: z.boolean(),
  disabled: z.boolean(),
  locked: z.boolean(),
  groups: z.array(z.string()),
  passwordLastChangedAt: IsoDateTime.nullable(),
  mustChangePassword: z.boolean(),
  /** Methods held (R7: types and masked hints only, never secrets). */
  methods: z.array(z.object({ id: z.string(), type: MethodType, hint: z.string(), source: z.string() })),
  registered: z.boolean(),
});
export type AdminUser = z.infer<typeof AdminUser>;
export const AdminUserList = z.object({ users: z.array(AdminUser), nextCursor: z.string().nullable() });

/** R4: contact methods set on a user's behalf; null removes one. */
export const SetUserMethodsRequest = z.strictObject({
  email: EmailAddress.nullable().optional(),
  mobilePhone: PhoneNumber.nullable().optional(),
  officePhone: PhoneNumber.nullable().optional(),
});
export type SetUserMethodsRequest = z.infer<typeof SetUserMethodsRequest>;

export const CreateGroupRequest = z.strictObject({
  name: GroupName,
  description: z.string().max(1024).optional(),
  members: z.array(Username).max(10000).optional(),
});
export const Group = z.object({ name: z.string(), description: z.string(), members: z.array(z.string()) });
export type Group = z.infer<typeof Group>;
export const GroupList = z.object({ groups: z.array(Group) });
