import {
  AddUserToGroupCommand,
  CreateUserCommand,
  DeleteAccessKeyCommand,
  DeleteConflictException,
  DeleteLoginProfileCommand,
  DeleteUserCommand,
  GetLoginProfileCommand,
  GetUserCommand,
  IAMClient,
  ListAccessKeysCommand,
  ListGroupsForUserCommand,
  ListUsersCommand,
  ListUserTagsCommand,
  NoSuchEntityException,
  RemoveUserFromGroupCommand,
  UpdateAccessKeyCommand,
} from "@aws-sdk/client-iam";
import { mockClient } from "aws-sdk-client-mock";

/** A stateful IAM behind aws-sdk-client-mock: the SDK's commands read and change these users. */
export interface IamUser {
  arn: string;
  tags: Record<string, string>;
  keys: { id: string; status: "Active" | "Inactive" }[];
  groups: string[];
  loginProfile: boolean;
}

export function iamStandIn(account: string, users: Record<string, Omit<IamUser, "arn">>) {
  const state = new Map<string, IamUser>(
    Object.entries(users).map(([n, u]) => [
      n,
      { arn: `arn:aws:iam::${account}:user/${n}`, ...structuredClone(u) },
    ]),
  );
  const mock = mockClient(IAMClient);
  const meta = { httpStatusCode: 404 };
  const user = (name?: string): IamUser => {
    const u = name ? state.get(name) : undefined;
    if (!u)
      throw new NoSuchEntityException({
        message: `The user with name ${name} cannot be found.`,
        $metadata: meta,
      });
    return u;
  };
  mock.on(ListUsersCommand).callsFake(() => ({
    Users: [...state.entries()].map(([UserName, u]) => ({
      UserName,
      Arn: u.arn,
      UserId: UserName,
      Path: "/",
      CreateDate: new Date(),
    })),
    IsTruncated: false,
  }));
  mock.on(ListUserTagsCommand).callsFake((i) => ({
    Tags: Object.entries(user(i.UserName).tags).map(([Key, Value]) => ({ Key, Value })),
  }));
  mock.on(GetUserCommand).callsFake((i) => ({ User: { UserName: i.UserName, Arn: user(i.UserName).arn } }));
  mock.on(ListAccessKeysCommand).callsFake((i) => ({
    AccessKeyMetadata: user(i.UserName).keys.map((k) => ({
      UserName: i.UserName,
      AccessKeyId: k.id,
      Status: k.status,
    })),
    IsTruncated: false,
  }));
  mock.on(UpdateAccessKeyCommand).callsFake((i) => {
    const k = user(i.UserName).keys.find((x) => x.id === i.AccessKeyId);
    if (!k) throw new NoSuchEntityException({ message: "no such key", $metadata: meta });
    k.status = i.Status;
    return {};
  });
  mock.on(DeleteAccessKeyCommand).callsFake((i) => {
    const u = user(i.UserName);
    u.keys = u.keys.filter((k) => k.id !== i.AccessKeyId);
    return {};
  });
  mock.on(ListGroupsForUserCommand).callsFake((i) => ({
    Groups: user(i.UserName).groups.map((GroupName) => ({ GroupName })),
    IsTruncated: false,
  }));
  mock.on(AddUserToGroupCommand).callsFake((i) => {
    const u = user(i.UserName);
    if (!u.groups.includes(i.GroupName)) u.groups.push(i.GroupName);
    return {};
  });
  mock.on(RemoveUserFromGroupCommand).callsFake((i) => {
    const u = user(i.UserName);
    u.groups = u.groups.filter((g) => g !== i.GroupName);
    return {};
  });
  mock.on(GetLoginProfileCommand).callsFake((i) => {
    if (!user(i.UserName).loginProfile)
      throw new NoSuchEntityException({ message: "Login Profile cannot be found.", $metadata: meta });
    return { LoginProfile: { UserName: i.UserName, CreateDate: new Date() } };
  });
  mock.on(DeleteLoginProfileCommand).callsFake((i) => {
    user(i.UserName).loginProfile = false;
    return {};
  });
  mock.on(CreateUserCommand).callsFake((i) => {
    const tags = Object.fromEntries(
      (i.Tags ?? []).map((t: { Key: string; Value: string }) => [t.Key, t.Value]),
    );
    state.set(i.UserName, {
      arn: `arn:aws:iam::${account}:user/${i.UserName}`,
      tags,
      keys: [],
      groups: [],
      loginProfile: false,
    });
    return { User: { UserName: i.UserName } };
  });
  mock.on(DeleteUserCommand).callsFake((i) => {
    const u = user(i.UserName);
    if (u.keys.length || u.groups.length || u.loginProfile)
      throw new DeleteConflictException({
        message: "Cannot delete entity, must remove dependents first.",
        $metadata: { httpStatusCode: 409 },
      });
    state.delete(i.UserName);
    return {};
  });
  return { state, mock };
}

/** Commands that change IAM, for "the second run changed nothing". */
export const MUTATING = [
  CreateUserCommand,
  AddUserToGroupCommand,
  RemoveUserFromGroupCommand,
  UpdateAccessKeyCommand,
  DeleteAccessKeyCommand,
  DeleteLoginProfileCommand,
  DeleteUserCommand,
];
