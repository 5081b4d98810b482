/** Defaults an administrator starts from when adding a directory (console "add with a preset"). */
import type { LdapPreset } from './types.ts';

export const LDAP_PRESETS: { active_directory: LdapPreset; openldap: LdapPreset } = {
  active_directory: {
    idAttribute: 'objectGUID',
    usernameAttribute: 'sAMAccountName',
    userFilter: '(&(objectCategory=person)(objectClass=user))',
    groupFilter: '(objectClass=group)',
    activeDirectory: true,
    mapping: {
      firstname: 'givenName',
      surname: 'sn',
      email: 'mail',
      job_title: 'title',
      department: 'department',
      office: 'physicalDeliveryOfficeName',
      phone: 'telephoneNumber',
      mobile: 'mobile',
      user_code: 'employeeID',
      manager_id: 'manager',
    },
  },
  openldap: {
    idAttribute: 'entryUUID',
    usernameAttribute: 'uid',
    userFilter: '(objectClass=inetOrgPerson)',
    groupFilter: '(objectClass=groupOfNames)',
    activeDirectory: false,
    mapping: {
      firstname: 'givenName',
      surname: 'sn',
      email: 'mail',
      job_title: 'title',
      department: 'departmentNumber',
      office: 'roomNumber',
      phone: 'telephoneNumber',
      mobile: 'mobile',
      user_code: 'employeeNumber',
      manager_id: 'manager',
    },
  },
};

export type LdapPresetName = keyof typeof LDAP_PRESETS;
