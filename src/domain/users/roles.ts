// Roles and what they may do: admin / user / viewer (docs/api.md#roles-and-permissions).
export const roles = ['admin', 'user', 'viewer'] as const;
export type Role = (typeof roles)[number];

export const permissions = ['view', 'create', 'update', 'delete', 'admin'] as const;
export type Permission = (typeof permissions)[number];

const granted: Record<Role, readonly Permission[]> = {
  admin: permissions,
  user: ['view', 'create', 'update', 'delete'],
  viewer: ['view'],
};

export const permissionsOf = (role: Role): readonly Permission[] => granted[role];
export const can = (role: Role, permission: Permission): boolean => granted[role].includes(permission);
